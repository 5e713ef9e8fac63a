// What the province admin does to one account (every action needs a reason, kept in the audit
// log): disable (its tokens refused within seconds) or enable, reset the password (a
// temporary one shown once; optionally TOTP too, to enrol again), force a password change.
import { useState } from "preact/hooks";
import {
  disableAccount,
  enableAccount,
  forceAccountPasswordChange,
  markAccountReviewed,
  resetAccountPassword,
} from "../api";
import type { AccountOut } from "../api";
import { ApiError, messageOf } from "../problems";
import { call } from "../session";
import { describedBy, ErrorBox, Field } from "../ui";

export type AccountAction = "disable" | "enable" | "reset" | "force" | "keep";

const ACTION_TEXT: Record<AccountAction, string> = {
  disable: "Khóa tài khoản",
  enable: "Mở khóa tài khoản",
  reset: "Đặt lại mật khẩu",
  force: "Buộc đổi mật khẩu",
  keep: "Giữ tài khoản (đã rà soát)",
};

/** The actions an account offers now. */
export function actionsFor(a: AccountOut): AccountAction[] {
  return a.status === "disabled" ? ["enable", "reset"] : ["disable", "reset", "force"];
}

export function ActionButtons({ account, onPick }: { account: AccountOut; onPick: (a: AccountAction) => void }) {
  return (
    <>
      {actionsFor(account).map((a) => (
        <button type="button" onClick={() => onPick(a)} aria-label={`${ACTION_TEXT[a]} ${account.username}`}>
          {ACTION_TEXT[a]}
        </button>
      ))}
    </>
  );
}

async function perform(a: AccountAction, id: string, reason: string, resetMfa: boolean): Promise<string> {
  const path = { account_id: id };
  switch (a) {
    case "disable":
      await call(() => disableAccount({ path, body: { reason } }));
      return "";
    case "enable":
      await call(() => enableAccount({ path, body: { reason } }));
      return "";
    case "force":
      await call(() => forceAccountPasswordChange({ path, body: { reason } }));
      return "";
    case "keep":
      await call(() => markAccountReviewed({ path }));
      return "";
    case "reset":
      return (await call(() => resetAccountPassword({ path, body: { reason, reset_mfa: resetMfa } }))).temporary_secret;
  }
}

/** The form of one action on one account: its reason, then the result (a temporary password once). */
export function ActionForm({
  account,
  action,
  onDone,
  onCancel,
}: {
  account: AccountOut;
  action: AccountAction;
  onDone: (text: string, secret: string) => void;
  onCancel: () => void;
}) {
  const [reason, setReason] = useState("");
  const [resetMfa, setResetMfa] = useState(false);
  const [error, setError] = useState("");
  const [fields, setFields] = useState<Record<string, string>>({});
  const needsReason = action !== "keep";
  const submit = async (ev: Event) => {
    ev.preventDefault();
    setError("");
    setFields({});
    try {
      const secret = await perform(action, account.id, reason, resetMfa);
      onDone(`${ACTION_TEXT[action]}: ${account.username}.`, secret);
    } catch (e) {
      setError(messageOf(e));
      if (e instanceof ApiError) setFields(e.fields);
    }
  };
  return (
    <form class="panel grid-form" onSubmit={submit} noValidate aria-labelledby="act-h" data-action={action}>
      <h2 id="act-h">
        {ACTION_TEXT[action]}: {account.display_name} ({account.username})
      </h2>
      <ErrorBox text={error} />
      {needsReason && (
        <Field id="act-reason" label="Lý do (ghi vào nhật ký)" error={fields.reason} hint="Ít nhất 3 ký tự.">
          <input
            id="act-reason"
            value={reason}
            onInput={(e) => setReason(e.currentTarget.value)}
            aria-invalid={fields.reason ? "true" : undefined}
            aria-describedby={describedBy("act-reason", fields.reason, "hint")}
          />
        </Field>
      )}
      {action === "reset" && (
        <label class="check">
          <input type="checkbox" checked={resetMfa} onChange={(e) => setResetMfa(e.currentTarget.checked)} />
          Đặt lại cả xác thực hai lớp (người dùng đăng ký TOTP lại)
        </label>
      )}
      <button type="submit">Xác nhận</button>
      <button type="button" class="secondary" onClick={onCancel}>
        Hủy
      </button>
    </form>
  );
}
