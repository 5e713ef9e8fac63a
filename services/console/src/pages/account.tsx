// The signed-in account: who, which role and unit; change the password.
import { useState } from "preact/hooks";
import { ROLE_TEXT } from "../labels";
import { currentUser } from "../session";
import { PasswordForm } from "./signin";

export function AccountPage() {
  const me = currentUser();
  const [done, setDone] = useState(false);
  if (!me) return null;
  return (
    <main id="main">
      <h1>Tài khoản của tôi</h1>
      <dl class="facts">
        <dt>Họ tên</dt>
        <dd>{me.display_name}</dd>
        <dt>Tên đăng nhập</dt>
        <dd>{me.username}</dd>
        <dt>Vai trò</dt>
        <dd>{ROLE_TEXT[me.role]}</dd>
        <dt>Đơn vị</dt>
        <dd>{me.unit_id || me.sector_code || "—"}</dd>
      </dl>
      <h2>Đổi mật khẩu</h2>
      {done ? (
        <p class="alert info" role="status">
          Đã đổi mật khẩu.
        </p>
      ) : (
        <PasswordForm onDone={() => setDone(true)} />
      )}
    </main>
  );
}
