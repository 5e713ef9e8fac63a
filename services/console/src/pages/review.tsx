// The periodic account review (rà soát tài khoản định kỳ, province admin): the accounts unused
// for the chosen number of days or whose unit or role changed since their last review; each is
// kept (recorded as reviewed) or disabled with a reason.
import { useEffect, useState } from "preact/hooks";
import { reviewAccounts } from "../api";
import type { AccountOut, ReviewEntry } from "../api";
import { formatDateTime, formatNumber } from "../format";
import { ROLE_TEXT } from "../labels";
import { messageOf } from "../problems";
import { call } from "../session";
import { ErrorBox, Loading } from "../ui";
import { ActionForm } from "./account-actions";
import type { AccountAction } from "./account-actions";

function reasonText(r: string): string {
  const inactive = /^inactive_(\d+)_days$/.exec(r);
  if (inactive) return `Không đăng nhập ${formatNumber(Number(inactive[1]))} ngày`;
  if (r === "scope_changed") return "Đổi đơn vị hoặc vai trò từ lần rà soát trước";
  if (r === "never_used") return "Chưa đăng nhập lần nào";
  return r;
}

export function ReviewPage() {
  const [days, setDays] = useState(90);
  const [items, setItems] = useState<ReviewEntry[] | null>(null);
  const [acting, setActing] = useState<{ account: AccountOut; action: AccountAction } | null>(null);
  const [info, setInfo] = useState("");
  const [error, setError] = useState("");
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let live = true;
    setItems(null);
    call(() => reviewAccounts({ query: { inactive_days: days, page_size: 500 } })).then(
      (p) => live && setItems(p.items),
      (e: unknown) => live && setError(messageOf(e)),
    );
    return () => {
      live = false;
    };
  }, [days, version]);
  return (
    <main id="main" data-loaded={items ? "yes" : undefined}>
      <h1>Rà soát tài khoản định kỳ</h1>
      <p class="muted">
        Tài khoản lâu không sử dụng hoặc đã đổi đơn vị, vai trò: giữ lại (ghi nhận đã rà soát) hoặc khóa.
      </p>
      <ErrorBox text={error} />
      {info && (
        <p class="alert info" role="status">
          {info}
        </p>
      )}
      <div class="filters">
        <label for="review-days">Không đăng nhập từ</label>
        <select id="review-days" value={days} onChange={(e) => setDays(Number(e.currentTarget.value))}>
          {[30, 60, 90, 180, 365].map((d) => (
            <option value={d}>{formatNumber(d)} ngày</option>
          ))}
        </select>
      </div>
      {!items && !error && <Loading />}
      {items && items.length === 0 && <p>Không có tài khoản nào cần rà soát.</p>}
      {items && items.length > 0 && (
        <div class="table-wrap short" tabIndex={0} role="region" aria-label="Tài khoản cần rà soát">
          <table data-testid="review">
            <caption>Tài khoản cần rà soát ({formatNumber(items.length)})</caption>
            <thead>
              <tr>
                <th scope="col">Tên đăng nhập</th>
                <th scope="col">Họ tên</th>
                <th scope="col">Vai trò, đơn vị</th>
                <th scope="col">Lý do rà soát</th>
                <th scope="col">Đăng nhập gần nhất</th>
                <th scope="col">Rà soát gần nhất</th>
                <th scope="col">Xử lý</th>
              </tr>
            </thead>
            <tbody>
              {items.map(({ account: a, reasons }) => (
                <tr data-account={a.username}>
                  <th scope="row">{a.username}</th>
                  <td>{a.display_name}</td>
                  <td>
                    {ROLE_TEXT[a.role]}
                    {(a.unit_id || a.sector_code) && `, ${a.unit_id || a.sector_code}`}
                  </td>
                  <td>{reasons.map(reasonText).join("; ")}</td>
                  <td>{formatDateTime(a.last_login_at)}</td>
                  <td>{formatDateTime(a.reviewed_at)}</td>
                  <td class="actions">
                    <button type="button" onClick={() => setActing({ account: a, action: "keep" })} aria-label={`Giữ tài khoản ${a.username}`}>
                      Giữ
                    </button>
                    <button type="button" onClick={() => setActing({ account: a, action: "disable" })} aria-label={`Khóa tài khoản ${a.username}`}>
                      Khóa
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {acting && (
        <ActionForm
          account={acting.account}
          action={acting.action}
          onCancel={() => setActing(null)}
          onDone={(text) => {
            setActing(null);
            setInfo(text);
            setVersion(version + 1);
          }}
        />
      )}
    </main>
  );
}
