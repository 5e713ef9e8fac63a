// One camera: state, picture quality, site and its notice sign, compliance issues, state
// history, uptime per day, fault tickets, and its live view (purpose asked first).
import { useEffect, useState } from "preact/hooks";
import { getCamera, getCameraHistory } from "../api";
import type { CameraOut, GrantOut, HistoryOut, Purpose } from "../api";
import { formatDate, formatDateTime, formatNumber, formatPercent } from "../format";
import { grantFor, myViewGrants } from "../grants";
import {
  COMPLIANCE_TEXT,
  PURPOSE_TEXT,
  QUALITY_FLAG_TEXT, SITE_KIND_TEXT, STATE_TEXT, stateClass } from "../labels";
import { LiveView } from "../player";
import { messageOf } from "../problems";
import { call, may } from "../session";
import { ErrorBox, Loading } from "../ui";

function Info({ camera }: { camera: CameraOut }) {
  const q = camera.quality;
  return (
    <dl class="facts">
      <dt>Trạng thái</dt>
      <dd>
        <span class={`badge ${stateClass(camera.state)}`} data-testid="camera-state">
          {STATE_TEXT[camera.state]}
        </span>{" "}
        từ {formatDateTime(camera.state_changed_at)}
        {camera.last_disconnect_reason && ` (${camera.last_disconnect_reason})`}
      </dd>
      <dt>Xã, phường</dt>
      <dd>
        {camera.commune_name} ({camera.commune_code})
      </dd>
      <dt>Địa điểm</dt>
      <dd>
        {camera.site_name || camera.location} — {SITE_KIND_TEXT[camera.site_kind]}
      </dd>
      <dt>Biển thông báo</dt>
      <dd>
        {!camera.site_notice_required
          ? "Không bắt buộc"
          : camera.site_notice_present
            ? `Đã có (kiểm tra ngày ${formatDate(camera.site_notice_checked_on)})`
            : "Chưa có biển thông báo"}
      </dd>
      <dt>Hình ảnh</dt>
      <dd>
        {q ? (q.summary || (q.verdict === "good" ? "Tốt" : q.verdict === "poor" ? "Kém" : "Chưa đánh giá")) : "—"}
        {q?.flags?.length ? ` (${q.flags.map((f) => QUALITY_FLAG_TEXT[f]).join(", ")})` : ""}
        {q?.last_good_at && `; hình tốt gần nhất ${formatDateTime(q.last_good_at)}`}
      </dd>
      <dt>Luồng đo được</dt>
      <dd>
        {camera.measured_codec || "—"} {camera.measured_resolution}
        {camera.measured_fps ? `, ${formatNumber(camera.measured_fps)} khung hình/giây` : ""}
        {camera.measured_bitrate_bps
          ? `, ${formatNumber(Math.round(camera.measured_bitrate_bps / 1000))} kbit/s`
          : ""}
      </dd>
      <dt>Thiết bị</dt>
      <dd>
        {[camera.vendor, camera.model].filter(Boolean).join(" ") || "—"}, chuẩn nén đăng ký{" "}
        {camera.declared_codec || "—"}
      </dd>
      <dt>Không đạt yêu cầu</dt>
      <dd>
        {camera.compliance_issues?.length ? (
          <ul>
            {camera.compliance_issues.map((i) => (
              <li>{COMPLIANCE_TEXT[i] ?? i}</li>
            ))}
          </ul>
        ) : (
          "Không có"
        )}
      </dd>
    </dl>
  );
}

function History({ history }: { history: HistoryOut }) {
  return (
    <>
      <section aria-labelledby="uptime-title">
        <h2 id="uptime-title">Thời gian hoạt động theo ngày</h2>
        {history.uptime.length === 0 ? (
          <p>Chưa có số liệu.</p>
        ) : (
          <ul class="uptime">
            {history.uptime.map((u) => (
              <li>
                <span class="uptime-day">{formatDate(u.day)}</span>
                {u.observed_s > 0 ? (
                  <>
                    <meter
                      min={0}
                      max={1}
                      low={0.9}
                      optimum={1}
                      value={u.uptime}
                      aria-label={`Ngày ${formatDate(u.day)}`}
                    />
                    <span>
                      {formatPercent(u.uptime)}, {formatNumber(u.disconnects)} lần mất kết nối
                    </span>
                  </>
                ) : (
                  <span class="muted">chưa theo dõi</span>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="transitions-title">
        <h2 id="transitions-title">Lịch sử trạng thái</h2>
        {history.transitions.length === 0 ? (
          <p>Chưa có thay đổi trạng thái.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Thời điểm</th>
                <th scope="col">Từ</th>
                <th scope="col">Sang</th>
                <th scope="col">Lý do</th>
              </tr>
            </thead>
            <tbody>
              {history.transitions.slice(0, 50).map((t) => (
                <tr>
                  <td>{formatDateTime(t.at)}</td>
                  <td>{STATE_TEXT[t.previous_state]}</td>
                  <td>
                    <span class={`badge ${stateClass(t.state)}`}>{STATE_TEXT[t.state]}</span>
                  </td>
                  <td>{t.detail || t.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="tickets-title">
        <h2 id="tickets-title">Phiếu sự cố</h2>
        {history.tickets.length === 0 ? (
          <p>Không có phiếu sự cố.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Mở lúc</th>
                <th scope="col">Hạn xử lý</th>
                <th scope="col">Đơn vị xác nhận</th>
                <th scope="col">Đóng lúc</th>
                <th scope="col">Nguyên nhân</th>
              </tr>
            </thead>
            <tbody>
              {history.tickets.map((t) => (
                <tr>
                  <td>{formatDateTime(t.opened_at)}</td>
                  <td>{formatDate(t.due_on)}</td>
                  <td>{t.acknowledged_at ? formatDateTime(t.acknowledged_at) : "Chưa xác nhận"}</td>
                  <td>{t.closed_at ? formatDateTime(t.closed_at) : "Đang mở"}</td>
                  <td>{t.cause || "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}

export function CameraPage({ id }: { id: string }) {
  const [camera, setCamera] = useState<CameraOut | null>(null);
  const [history, setHistory] = useState<HistoryOut | null>(null);
  const [grants, setGrants] = useState<GrantOut[]>([]);
  const [error, setError] = useState("");
  const [purpose, setPurpose] = useState<Purpose | "">("");
  const [playing, setPlaying] = useState(false);
  const admin = may(["province_admin"]);

  useEffect(() => {
    let live = true;
    setPlaying(false);
    Promise.all([
      call(() => getCamera({ path: { camera_id: id } })),
      call(() => getCameraHistory({ path: { camera_id: id } })),
      admin ? myViewGrants() : Promise.resolve([]),
    ]).then(
      ([c, h, g]) => {
        if (!live) return;
        setCamera(c);
        setHistory(h);
        setGrants(g);
      },
      (e: unknown) => live && setError(messageOf(e)),
    );
    return () => {
      live = false;
    };
  }, [id]);

  const grant = grantFor(grants, [id]);
  const mayView = !admin || grant !== undefined;
  return (
    <main id="main">
      <p class="crumbs">
        <a href="#/camera">Danh sách camera</a>
        {" · "}
        <a href={`#/xem-lai?camera=${encodeURIComponent(id)}`} data-testid="playback-link">
          Xem lại hình ảnh đã ghi
        </a>
      </p>
      <h1>
        Camera {id}
        {camera && ` — ${camera.name}`}
      </h1>
      <ErrorBox text={error} />
      {!camera && !error && <Loading />}
      {camera && (
        <div class="camera-layout">
          <div>
            <Info camera={camera} />
          </div>
          <section aria-labelledby="live-title" class="camera-live">
            <h2 id="live-title">Xem trực tiếp</h2>
            {!mayView ? (
              <p>
                Quản trị cấp tỉnh chỉ xem được hình ảnh của đơn vị khi có quyền truy cập khẩn
                cấp (có căn cứ pháp lý) còn hiệu lực cho camera này.
              </p>
            ) : (
              <form
                class="inline"
                onSubmit={(e) => {
                  e.preventDefault();
                  if (purpose) setPlaying(!playing);
                }}
              >
                <label for="live-purpose">Mục đích xem</label>
                <select
                  id="live-purpose"
                  value={purpose}
                  disabled={playing}
                  onChange={(e) => setPurpose(e.currentTarget.value as Purpose)}
                  required
                >
                  <option value="">— Chọn mục đích —</option>
                  {Object.entries(PURPOSE_TEXT).map(([k, v]) => (
                    <option value={k}>{v}</option>
                  ))}
                </select>
                <button type="submit" disabled={!purpose}>
                  {playing ? "Dừng xem" : "Xem trực tiếp"}
                </button>
              </form>
            )}
            {purpose && (
              <LiveView
                cameraId={id}
                cameraName={camera.name}
                purpose={purpose}
                grantId={grant?.id}
                playing={playing}
              />
            )}
          </section>
        </div>
      )}
      {history && <History history={history} />}
    </main>
  );
}
