// Access grants: the break-glass grants and recorded committee approvals to review (who, which
// cameras, legal basis, footage window, expiry); the province admin issues and revokes them.
import { useEffect, useState } from "preact/hooks";
import { issueGrant, listGrants, revokeGrant } from "../api";
import type { GrantOut, GrantScope, LegalBasis } from "../api";
import { formatDateTime } from "../format";
import { ApiError, messageOf } from "../problems";
import { mayReadAudit } from "../records";
import { call, may } from "../session";
import { describedBy, ErrorBox, Field, Loading } from "../ui";

export const BASIS_TEXT: Record<LegalBasis, string> = {
  emergency_command: "Chỉ huy xử lý tình huống khẩn cấp",
  incident_fix: "Khắc phục sự cố kỹ thuật",
  written_request: "Yêu cầu bằng văn bản của cơ quan có thẩm quyền",
  committee_approval: "Văn bản phê duyệt của UBND tỉnh",
};
const SCOPE_TEXT: Record<GrantScope, string> = { view: "Xem", export: "Trích xuất" };

/** A datetime-local value ("2026-12-07T16:30") read as Vietnam's time, as an ISO instant. */
function vietnamInstant(local: string): string {
  return local ? `${local}:00+07:00` : "";
}

/** Now plus `hours` as a datetime-local value in Vietnam's time. */
function vietnamLocal(hours: number): string {
  const t = new Date(Date.now() + (hours + 7) * 3_600_000);
  return t.toISOString().slice(0, 16);
}

function IssueForm({ onIssued }: { onIssued: () => void }) {
  const [basis, setBasis] = useState<LegalBasis>("emergency_command");
  const [reason, setReason] = useState("");
  const [cameras, setCameras] = useState("");
  const [from, setFrom] = useState(vietnamLocal(-1));
  const [to, setTo] = useState(vietnamLocal(2));
  const [expires, setExpires] = useState(vietnamLocal(2));
  const [exportToo, setExportToo] = useState(false);
  const [error, setError] = useState("");
  const [fields, setFields] = useState<Record<string, string>>({});
  const submit = async (ev: Event) => {
    ev.preventDefault();
    setError("");
    setFields({});
    const body = {
      legal_basis: basis,
      reason,
      camera_ids: cameras.split(/[\s,;]+/).filter(Boolean),
      footage_from: vietnamInstant(from),
      footage_to: vietnamInstant(to),
      expires_at: vietnamInstant(expires),
      scopes: (exportToo ? ["view", "export"] : ["view"]) as GrantScope[],
    };
    try {
      await call(() => issueGrant({ body }));
      setReason("");
      setCameras("");
      onIssued();
    } catch (e) {
      setError(messageOf(e));
      if (e instanceof ApiError) setFields(e.fields);
    }
  };
  const input = (id: string, name: string, value: string, set: (v: string) => void, type = "text") => (
    <input
      id={id}
      type={type}
      value={value}
      onInput={(e) => set(e.currentTarget.value)}
      aria-invalid={fields[name] ? "true" : undefined}
      aria-describedby={describedBy(id, fields[name])}
    />
  );
  return (
    <form class="panel grid-form" onSubmit={submit} noValidate aria-labelledby="issue-h">
      <h2 id="issue-h">Cấp quyền truy cập khẩn cấp</h2>
      <ErrorBox text={error} />
      <Field id="g-basis" label="Căn cứ pháp lý" error={fields.legal_basis}>
        <select id="g-basis" value={basis} onChange={(e) => setBasis(e.currentTarget.value as LegalBasis)}>
          {Object.entries(BASIS_TEXT).map(([k, v]) => (
            <option value={k}>{v}</option>
          ))}
        </select>
      </Field>
      <Field id="g-reason" label="Lý do" error={fields.reason}>
        {input("g-reason", "reason", reason, setReason)}
      </Field>
      <Field id="g-cameras" label="Mã camera (cách nhau bởi dấu phẩy)" error={fields.camera_ids}>
        {input("g-cameras", "camera_ids", cameras, setCameras)}
      </Field>
      <Field id="g-expires" label="Hết hiệu lực lúc (giờ Việt Nam)" error={fields.expires_at}>
        {input("g-expires", "expires_at", expires, setExpires, "datetime-local")}
      </Field>
      <Field id="g-from" label="Hình ảnh từ (giờ Việt Nam)" error={fields.footage_from}>
        {input("g-from", "footage_from", from, setFrom, "datetime-local")}
      </Field>
      <Field id="g-to" label="Hình ảnh đến (giờ Việt Nam)" error={fields.footage_to}>
        {input("g-to", "footage_to", to, setTo, "datetime-local")}
      </Field>
      <label class="check">
        <input type="checkbox" checked={exportToo} onChange={(e) => setExportToo(e.currentTarget.checked)} />
        Cho phép cả trích xuất (ngoài xem)
      </label>
      <button type="submit">Cấp quyền</button>
    </form>
  );
}

/** The review after a grant: the audit search of its grantee's accesses while it held. */
function usesOf(g: GrantOut): string {
  const end = g.revoked_at ?? g.expires_at;
  const q = new URLSearchParams({ xem: "processing", nguoi: g.grantee_id, tu: g.created_at, den: end });
  return `#/nhat-ky?${q.toString()}`;
}

export function GrantsPage() {
  const [items, setItems] = useState<GrantOut[] | null>(null);
  const [activeOnly, setActiveOnly] = useState(true);
  const [error, setError] = useState("");
  const [version, setVersion] = useState(0);
  const admin = may(["province_admin"]);
  const reviews = mayReadAudit();
  useEffect(() => {
    call(() => listGrants({ query: { active: activeOnly ? true : undefined, page_size: 200 } })).then(
      (page) => setItems(page.items),
      (e: unknown) => setError(messageOf(e)),
    );
  }, [activeOnly, version]);
  const revoke = async (g: GrantOut) => {
    try {
      await call(() => revokeGrant({ path: { grant_id: g.id } }));
      setVersion(version + 1);
    } catch (e) {
      setError(messageOf(e));
    }
  };
  return (
    <main id="main" data-loaded={items ? "yes" : undefined}>
      <h1>Quyền truy cập hình ảnh</h1>
      <ErrorBox text={error} />
      <label class="check">
        <input type="checkbox" checked={activeOnly} onChange={(e) => setActiveOnly(e.currentTarget.checked)} />
        Chỉ quyền còn hiệu lực
      </label>
      {!items && !error && <Loading />}
      {items && items.length === 0 && <p>Không có quyền truy cập nào.</p>}
      {items && items.length > 0 && (
        <div class="table-wrap short" tabIndex={0} role="region" aria-label="Danh sách quyền truy cập">
          <table data-testid="grants">
            <caption class="sr-only">Quyền truy cập hình ảnh</caption>
            <thead>
              <tr>
                <th scope="col">Cấp lúc</th>
                <th scope="col">Căn cứ</th>
                <th scope="col">Lý do</th>
                <th scope="col">Camera</th>
                <th scope="col">Phạm vi</th>
                <th scope="col">Hết hiệu lực</th>
                <th scope="col">Tình trạng</th>
                {admin && <th scope="col">Thu hồi</th>}
                {reviews && <th scope="col">Rà soát sau</th>}
              </tr>
            </thead>
            <tbody>
              {items.map((g) => (
                <tr data-grant={g.id}>
                  <td>{formatDateTime(g.created_at)}</td>
                  <td>{BASIS_TEXT[g.legal_basis]}</td>
                  <td>{g.reason}</td>
                  <td>{g.camera_ids.join(", ")}</td>
                  <td>{g.scopes.map((s) => SCOPE_TEXT[s]).join(", ")}</td>
                  <td>{formatDateTime(g.expires_at)}</td>
                  <td>{g.revoked_at ? `Đã thu hồi ${formatDateTime(g.revoked_at)}` : g.active ? "Còn hiệu lực" : "Hết hạn"}</td>
                  {admin && (
                    <td>
                      {g.active && (
                        <button type="button" onClick={() => void revoke(g)}>
                          Thu hồi
                        </button>
                      )}
                    </td>
                  )}
                  {reviews && (
                    <td>
                      <a href={usesOf(g)}>Các lần sử dụng</a>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {admin && <IssueForm onIssued={() => setVersion(version + 1)} />}
    </main>
  );
}
