{{/* Names, labels and the environment every tncam container gets. */}}

{{- define "tncam.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "tncam.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/part-of: tncam
{{- end -}}

{{/* Selector labels of one service: (dict "root" $ "name" "ingest") */}}
{{- define "tncam.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{- define "tncam.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "tncam.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "tncam.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding one kind of secret: existingSecret, else the chart-managed one. */}}
{{- define "tncam.secretName" -}}
{{- $kind := index .root.Values .kind -}}
{{- if $kind.existingSecret -}}
{{- $kind.existingSecret -}}
{{- else -}}
{{- printf "%s-%s" (include "tncam.fullname" .root) .kind -}}
{{- end -}}
{{- end -}}

{{- define "tncam.secretEnv" -}}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ include "tncam.secretName" (dict "root" .root "kind" .kind) }}
      key: {{ .key }}
{{- end -}}

{{/* Environment of service .name: shared settings, its DB role, S3 and its keys. */}}
{{- define "tncam.env" -}}
{{- $root := .root -}}
{{- $name := .name -}}
{{- $svc := index $root.Values.services $name -}}
{{- $P := printf "TNCAM_%s_" (upper $name) -}}
- name: TNCAM_ENVIRONMENT
  value: {{ $root.Values.environment | quote }}
- name: TNCAM_LOG_LEVEL
  value: {{ $root.Values.logLevel | quote }}
- name: {{ $P }}HTTP_PORT
  value: {{ $svc.port | quote }}
{{- /* The services default to 127.0.0.1; in a pod they must listen on every interface. */}}
- name: {{ $P }}HTTP_HOST
  value: "0.0.0.0"
- name: TNCAM_NATS_URL
  value: {{ $root.Values.nats.url | quote }}
- name: TNCAM_NATS_NAMESPACE
  value: {{ $root.Values.nats.namespace | quote }}
- name: TNCAM_NATS_REPLICAS
  value: {{ $root.Values.nats.replicas | quote }}
- name: TNCAM_INSTANCE_ID
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
{{- if $root.Values.nats.auth.enabled }}
- name: {{ $P }}NATS_USER
  value: {{ printf "tncam-%s" $name | quote }}
{{ include "tncam.secretEnv" (dict "root" $root "kind" "nats" "env" (printf "%sNATS_PASSWORD" $P) "key" (printf "%s-nats-password" $name)) }}
{{- end }}
{{- if $svc.database }}
- name: TNCAM_DATABASE_URL
  value: {{ $root.Values.database.url | quote }}
{{ include "tncam.secretEnv" (dict "root" $root "kind" "database" "env" (printf "%sDB_PASSWORD" $P) "key" (printf "%s-db-password" $name)) }}
{{- end }}
{{- if has $name (list "ingest" "recorder") }}
- name: TNCAM_HANDOFF_PARTITIONS
  value: {{ $root.Values.nats.handoffPartitions | default 1 | quote }}
{{- end }}
{{- if has $name (list "ingest" "recorder" "audit") }}
- name: TNCAM_S3_ENDPOINT
  value: {{ $root.Values.s3.endpoint | quote }}
- name: TNCAM_S3_REGION
  value: {{ $root.Values.s3.region | quote }}
{{ include "tncam.secretEnv" (dict "root" $root "kind" "s3" "env" "TNCAM_S3_ACCESS_KEY" "key" "access-key") }}
{{ include "tncam.secretEnv" (dict "root" $root "kind" "s3" "env" "TNCAM_S3_SECRET_KEY" "key" "secret-key") }}
{{- end }}
{{- range $env, $ref := (index (include "tncam.keyEnv" . | fromYaml) $name) }}
{{ include "tncam.secretEnv" (dict "root" $root "kind" $ref.kind "env" $env "key" $ref.key) }}
{{- end }}
{{- range $k, $v := $svc.extraEnv }}
- name: {{ $k }}
{{- if kindIs "map" $v }}
  valueFrom:
    {{- toYaml $v.valueFrom | nindent 4 }}
{{- else }}
  value: {{ $v | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Keys each service needs, by environment variable: kind of Secret and key in it. */}}
{{- define "tncam.keyEnv" -}}
ingest: {}
registry:
  TNCAM_REGISTRY_CREDENTIALS_KEY: {kind: cameraCredentials, key: camera-credentials-key}
recorder:
  TNCAM_RECORDER_SIGNING_KEY: {kind: signing, key: export-signing-key}
audit:
  TNCAM_AUDIT_SIGNING_KEY: {kind: signing, key: audit-checkpoint-key}
gateway:
  TNCAM_GATEWAY_JWT_SIGNING_KEY: {kind: signing, key: gateway-jwt-key}
  TNCAM_GATEWAY_MFA_ENCRYPTION_KEY: {kind: signing, key: gateway-mfa-key}
live: {}
{{- end -}}

{{/* Whether the live edge's ICE servers include a TURN server (then it needs credentials). */}}
{{- define "tncam.liveTurn" -}}
{{- range .Values.services.live.ice.servers -}}
{{- if regexMatch "(?i)^turns?:" . }}true{{ end -}}
{{- end -}}
{{- end -}}

{{/* Environment of the live edge: media, limits, ICE servers, TURN credentials from a Secret. */}}
{{- define "tncam.liveEnv" -}}
{{- $live := .Values.services.live -}}
{{- $media := $live.media -}}
{{- $range := $media.udpPortRange -}}
{{- if eq $media.network "pod" }}
{{- /* A viewer's ICE socket takes a port, and with a TURN server its TURN client one more. */}}
{{- $perViewer := ternary 2 1 (ne (include "tncam.liveTurn" .) "") }}
{{- $ports := add1 (sub $range.max $range.min) | int }}
{{- $needed := add (mul $media.maxViewers $perViewer) 32 | int }}
{{- if lt $ports $needed }}
{{- fail (printf "services.live.media.udpPortRange holds %d ports: at least %d are needed (%d per viewer, plus 32 for DNS and NATS)" $ports $needed $perViewer) }}
{{- end }}
{{- end }}
- name: TNCAM_LIVE_MAX_VIEWERS
  value: {{ $media.maxViewers | quote }}
- name: TNCAM_LIVE_MAX_VIEWERS_PER_CAMERA
  value: {{ $media.maxViewersPerCamera | quote }}
{{- if $media.iceHostAddresses }}
- name: TNCAM_LIVE_ICE_HOST_ADDRESSES
  value: {{ join "," $media.iceHostAddresses | quote }}
{{- else if eq $media.network "hostNetwork" }}
{{- /* Only the node's address, not every interface of the node (cni0, docker0, ...). */}}
- name: TNCAM_LIVE_ICE_HOST_ADDRESSES
  valueFrom:
    fieldRef:
      fieldPath: status.hostIP
{{- end }}
- name: TNCAM_LIVE_ICE_SERVERS
  value: {{ join "," $live.ice.servers | quote }}
{{- if include "tncam.liveTurn" . }}
{{ include "tncam.secretEnv" (dict "root" . "kind" "turn" "env" "TNCAM_LIVE_TURN_USERNAME" "key" "turn-username") }}
{{ include "tncam.secretEnv" (dict "root" . "kind" "turn" "env" "TNCAM_LIVE_TURN_PASSWORD" "key" "turn-password") }}
{{- end }}
{{- end -}}


{{/* Topology spread of service .name: its own constraints (each given the service's selector
     when it has none), else one per `topologySpread.topologyKeys` (nodes, zones). */}}
{{- define "tncam.topologySpread" -}}
{{- $root := .root -}}
{{- $svc := index $root.Values.services .name -}}
{{- $selector := dict "matchLabels" (include "tncam.selector" (dict "root" $root "name" .name) | fromYaml) -}}
{{- $out := list -}}
{{- if $svc.topologySpreadConstraints -}}
{{- range $svc.topologySpreadConstraints -}}
{{- $out = append $out (merge (deepCopy .) (dict "labelSelector" $selector)) -}}
{{- end -}}
{{- else -}}
{{- $ts := $root.Values.topologySpread -}}
{{- range $ts.topologyKeys -}}
{{- $out = append $out (dict "maxSkew" $ts.maxSkew "topologyKey" . "whenUnsatisfiable" $ts.whenUnsatisfiable "labelSelector" $selector) -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/* Checksum of everything a service's settings come from (not the Secrets: checksum/secrets). */}}
{{- define "tncam.configChecksum" -}}
{{- $v := .root.Values -}}
{{- list (index $v.services .name) $v.nats $v.database $v.s3 $v.environment $v.logLevel $v.image | toJson | sha256sum -}}
{{- end -}}
