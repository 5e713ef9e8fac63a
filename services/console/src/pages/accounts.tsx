// Accounts (province_admin): the list with status, MFA and last sign-in; a new account, its
// temporary password shown once.
import { useEffect, useState } from "preact/hooks";
import { createAccount, listAccounts } from "../api";
import type { AccountCreated, AccountOut, Role } from "../api";
import { formatDateTime } from "../format";
import { ROLE_TEXT } from "../labels";
import { ApiError, messageOf } from "../problems";
import { call, currentUser } from "../session";
import { describedBy, ErrorBox, Field, Loading } from "../ui";
import { ActionButtons, ActionForm } from "./account-actions";
import type { AccountAction } from "./account-actions";

const STATUS_TEXT: Record<string, string> = {
  active: "Đang hoạt động",
  disabled: "Đã khóa",
  locked: "Tạm khóa",
};

function NewAccount({ onCreated }: { onCreated: (a: AccountCreated) => void }) {
  const [username, setUsername] = useState("");
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("unit_operator");
  const [unit, setUnit] = useState("");
  const [error, setError] = useState("");
  const [fields, setFields] = useState<Record<string, string>>({});
  const submit = async (ev: Event) => {
    ev.preventDefault();
    setError("");
    setFields({});
    try {
      const body = {
        username,
        display_name: name,
        role,
        unit_id: unit,
        unit_is_commune: unit.startsWith("commune-"),
      };
      onCreated(await call(() => createAccount({ body })));
    } catch (e) {
      setError(messageOf(e));
      if (e instanceof ApiError) {
        const f = { ...e.fields };
        if (e.code.startsWith("gateway.account.") && e.code.includes("unit")) f.unit_id = e.serverDetail;
        if (e.code === "gateway.account.exists") f.username = "Tên đăng nhập đã có.";
        setFields(f);
      }
    }
  };
  return (
    <form class="panel grid-form" onSubmit={submit} noValidate aria-labelledby="new-h">
      <h2 id="new-h">Tạo tài khoản</h2>
      <ErrorBox text={error} />
      <Field id="acc-username" label="Tên đăng nhập" error={fields.username}>
        <input
          id="acc-username"
          value={username}
          onInput={(e) => setUsername(e.currentTarget.value)}
          aria-describedby={describedBy("acc-username", fields.username)}
        />
      </Field>
      <Field id="acc-name" label="Họ tên" error={fields.display_name}>
        <input
          id="acc-name"
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
          aria-describedby={describedBy("acc-name", fields.display_name)}
        />
      </Field>
      <Field id="acc-role" label="Vai trò" error={fields.role}>
        <select id="acc-role" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
          {Object.entries(ROLE_TEXT).map(([k, v]) => (
            <option value={k}>{v}</option>
          ))}
        </select>
      </Field>
      <Field
        id="acc-unit"
        label="Mã đơn vị"
        error={fields.unit_id}
        hint="Ví dụ commune-01 cho UBND xã, phường có mã 01."
      >
        <input
          id="acc-unit"
          value={unit}
          onInput={(e) => setUnit(e.currentTarget.value)}
          aria-invalid={fields.unit_id ? "true" : undefined}
          aria-describedby={describedBy("acc-unit", fields.unit_id, "hint")}
        />
      </Field>
      <button type="submit">Tạo tài khoản</button>
    </form>
  );
}

export function AccountsPage() {
  const [items, setItems] = useState<AccountOut[] | null>(null);
  const [created, setCreated] = useState<AccountCreated | null>(null);
  const [error, setError] = useState("");
  const [acting, setActing] = useState<{ account: AccountOut; action: AccountAction } | null>(null);
  const [done, setDone] = useState<{ text: string; secret: string } | null>(null);
  useEffect(() => {
    call(() => listAccounts({ query: { page_size: 200 } })).then(
      (page) => setItems(page.items),
      (e: unknown) => setError(messageOf(e)),
    );
  }, [created, done]);
  return (
    <main id="main">
      <h1>Tài khoản</h1>
      <p>
        <a href="#/ra-soat-tai-khoan">Rà soát tài khoản định kỳ</a>
      </p>
      <ErrorBox text={error} />
      {done && (
        <p class="alert info" role="status">
          {done.text}
          {done.secret && (
            <>
              {" "}
              Mật khẩu tạm (chỉ hiện một lần, phải đổi khi đăng nhập):{" "}
              <code data-testid="temporary-secret">{done.secret}</code>
            </>
          )}
        </p>
      )}
      {acting && (
        <ActionForm
          account={acting.account}
          action={acting.action}
          onCancel={() => setActing(null)}
          onDone={(text, secret) => {
            setActing(null);
            setDone({ text, secret });
          }}
        />
      )}
      {created && (
        <p class="alert info" role="status">
          Đã tạo tài khoản {created.account.username}. Mật khẩu tạm (chỉ hiện một lần, người dùng
          phải đổi khi đăng nhập lần đầu): <code data-testid="initial-secret">{created.initial_secret}</code>
        </p>
      )}
      {!items && !error && <Loading />}
      {items && (
        <div class="table-wrap short" tabIndex={0} role="region" aria-label="Danh sách tài khoản">
          <table data-testid="accounts">
            <caption class="sr-only">Danh sách tài khoản</caption>
            <thead>
              <tr>
                <th scope="col">Tên đăng nhập</th>
                <th scope="col">Họ tên</th>
                <th scope="col">Vai trò</th>
                <th scope="col">Đơn vị</th>
                <th scope="col">Trạng thái</th>
                <th scope="col">Xác thực hai lớp</th>
                <th scope="col">Đăng nhập gần nhất</th>
                <th scope="col">Thao tác</th>
              </tr>
            </thead>
            <tbody>
              {items.map((a) => (
                <tr>
                  <th scope="row">{a.username}</th>
                  <td>{a.display_name}</td>
                  <td>{ROLE_TEXT[a.role]}</td>
                  <td>{a.unit_id || a.sector_code || "—"}</td>
                  <td>{STATUS_TEXT[a.status] ?? a.status}</td>
                  <td>{a.mfa_enrolled ? "Đã đăng ký" : "Chưa đăng ký"}</td>
                  <td>{formatDateTime(a.last_login_at)}</td>
                  <td class="actions">
                    {a.id !== currentUser()?.account_id && (
                      <ActionButtons account={a} onPick={(action) => setActing({ account: a, action })} />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <NewAccount onCreated={setCreated} />
    </main>
  );
}
