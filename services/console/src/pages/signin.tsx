// Sign-in: password and TOTP code; TOTP enrolment on a first sign-in; the forced password
// change. Back to the page the user came from (`?tiep=`) afterwards.
import { useState } from "preact/hooks";
import { changePassword, confirmMfa, enrollMfa, issueToken } from "../api";
import type { MfaEnrolment } from "../api";
import { ApiError, messageOf } from "../problems";
import { adopt, call, reloadMe } from "../session";
import { describedBy, ErrorBox, Field } from "../ui";
import { QrCode } from "../qr";

type Step = "login" | "enrol" | "password";

interface Props {
  next: string;
  onDone: (next: string) => void;
}

export function SignIn({ next, onDone }: Props) {
  const [step, setStep] = useState<Step>("login");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [enrolment, setEnrolment] = useState<MfaEnrolment | null>(null);
  const [error, setError] = useState("");
  const [fields, setFields] = useState<Record<string, string>>({});
  const [info, setInfo] = useState("");
  const [busy, setBusy] = useState(false);

  async function run(work: () => Promise<void>): Promise<void> {
    setBusy(true);
    setError("");
    setFields({});
    try {
      await work();
    } catch (e) {
      setError(messageOf(e));
      if (e instanceof ApiError) setFields(e.fields);
    } finally {
      setBusy(false);
    }
  }

  const login = (ev: Event) => {
    ev.preventDefault();
    void run(async () => {
      try {
        const body = { username, password, grant_type: "password" as const, totp: code || null };
        const tokens = await call(() => issueToken({ body }));
        const me = await adopt(tokens);
        if (tokens.password_change_required || me.password_change_required) {
          setInfo("Mật khẩu đã hết hạn hoặc vừa được đặt lại: hãy đặt mật khẩu mới.");
          setStep("password");
          return;
        }
        onDone(next);
      } catch (e) {
        if (e instanceof ApiError && e.code === "gateway.auth.mfa_enrollment_required") {
          const started = await call(() => enrollMfa({ body: { username, password } }));
          setEnrolment(started);
          setCode("");
          setStep("enrol");
          return;
        }
        if (e instanceof ApiError && e.code === "gateway.auth.mfa_required") {
          setFields({ totp: e.detail });
        }
        throw e;
      }
    });
  };

  const confirm = (ev: Event) => {
    ev.preventDefault();
    void run(async () => {
      await call(() => confirmMfa({ body: { username, password, totp: code } }));
      setEnrolment(null);
      setCode("");
      setInfo("Đã bật xác thực hai lớp. Nhập mã mới hiện trên ứng dụng để đăng nhập.");
      setStep("login");
    });
  };

  if (step === "enrol" && enrolment) {
    return (
      <main id="main" class="signin">
        <h1>Đăng ký xác thực hai lớp</h1>
        <p>
          Quét mã QR (hoặc nhập khóa bí mật) dưới đây bằng ứng dụng xác thực (Google Authenticator, Microsoft
          Authenticator…), rồi nhập mã 6 số ứng dụng hiển thị. Khóa chỉ hiện một lần.
        </p>
        <QrCode
          text={enrolment.otpauth_uri}
          label="Mã QR để thêm tài khoản vào ứng dụng xác thực (quét bằng ứng dụng)"
        />
        <p class="secret">
          Hoặc nhập khóa bí mật: <code id="totp-secret">{enrolment.secret}</code>
        </p>
        <details class="hint">
          <summary>Địa chỉ cài đặt (otpauth) cho ứng dụng nhận địa chỉ</summary>
          <code class="uri">{enrolment.otpauth_uri}</code>
        </details>
        <form onSubmit={confirm} noValidate>
          <ErrorBox text={error} />
          <Field id="enrol-code" label="Mã xác thực (6 số)" error={fields.totp}>
            <input
              id="enrol-code"
              name="totp"
              inputMode="numeric"
              autoComplete="one-time-code"
              value={code}
              onInput={(e) => setCode(e.currentTarget.value)}
              aria-invalid={fields.totp ? "true" : undefined}
              aria-describedby={describedBy("enrol-code", fields.totp)}
              required
            />
          </Field>
          <button type="submit" disabled={busy}>
            Xác nhận đăng ký
          </button>
        </form>
      </main>
    );
  }
  if (step === "password") {
    return (
      <main id="main" class="signin">
        <h1>Đổi mật khẩu</h1>
        <PasswordForm current={password} info={info} onDone={() => onDone(next)} />
      </main>
    );
  }
  return (
    <main id="main" class="signin">
      <h1>Đăng nhập</h1>
      <p class="subtitle">Hệ thống camera giám sát tập trung tỉnh Thái Nguyên</p>
      {info && (
        <p class="alert info" role="status">
          {info}
        </p>
      )}
      <form onSubmit={login} noValidate>
        <ErrorBox text={error} />
        <Field id="username" label="Tên đăng nhập" error={fields.username}>
          <input
            id="username"
            name="username"
            autoComplete="username"
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
            aria-invalid={fields.username ? "true" : undefined}
            aria-describedby={describedBy("username", fields.username)}
            required
          />
        </Field>
        <Field id="password" label="Mật khẩu" error={fields.password}>
          <input
            id="password"
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            aria-invalid={fields.password ? "true" : undefined}
            aria-describedby={describedBy("password", fields.password)}
            required
          />
        </Field>
        <Field
          id="totp"
          label="Mã xác thực TOTP (6 số)"
          error={fields.totp}
          hint="Để trống nếu tài khoản chưa đăng ký xác thực hai lớp."
        >
          <input
            id="totp"
            name="totp"
            inputMode="numeric"
            autoComplete="one-time-code"
            value={code}
            onInput={(e) => setCode(e.currentTarget.value)}
            aria-invalid={fields.totp ? "true" : undefined}
            aria-describedby={describedBy("totp", fields.totp, "hint")}
          />
        </Field>
        <button type="submit" disabled={busy}>
          {busy ? "Đang đăng nhập…" : "Đăng nhập"}
        </button>
      </form>
    </main>
  );
}

interface PasswordProps {
  current?: string;
  info?: string;
  onDone: () => void;
}

/** Change one's own password (forced, or from the account page). */
export function PasswordForm({ current = "", info = "", onDone }: PasswordProps) {
  const [old, setOld] = useState(current);
  const [fresh, setFresh] = useState("");
  const [again, setAgain] = useState("");
  const [error, setError] = useState("");
  const [fields, setFields] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  const submit = async (ev: Event) => {
    ev.preventDefault();
    setError("");
    setFields({});
    if (fresh !== again) {
      setFields({ again: "Hai lần nhập mật khẩu mới không khớp." });
      return;
    }
    setBusy(true);
    try {
      await call(() => changePassword({ body: { current_password: old, new_password: fresh } }));
      await reloadMe();
      onDone();
    } catch (e) {
      setError(messageOf(e));
      if (e instanceof ApiError) {
        const f = { ...e.fields };
        if (e.code.startsWith("gateway.password.")) f.new_password = e.detail;
        if (e.code === "gateway.auth.invalid_credentials") {
          f.current_password = "Mật khẩu hiện tại không đúng.";
        }
        setFields(f);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate>
      {info && (
        <p class="alert info" role="status">
          {info}
        </p>
      )}
      <ErrorBox text={error} />
      <Field id="current-password" label="Mật khẩu hiện tại" error={fields.current_password}>
        <input
          id="current-password"
          type="password"
          autoComplete="current-password"
          value={old}
          onInput={(e) => setOld(e.currentTarget.value)}
          aria-describedby={describedBy("current-password", fields.current_password)}
          required
        />
      </Field>
      <Field
        id="new-password"
        label="Mật khẩu mới"
        error={fields.new_password}
        hint="Ít nhất 12 ký tự; nên dùng một câu dễ nhớ."
      >
        <input
          id="new-password"
          type="password"
          autoComplete="new-password"
          value={fresh}
          onInput={(e) => setFresh(e.currentTarget.value)}
          aria-invalid={fields.new_password ? "true" : undefined}
          aria-describedby={describedBy("new-password", fields.new_password, "hint")}
          required
        />
      </Field>
      <Field id="new-password-again" label="Nhập lại mật khẩu mới" error={fields.again}>
        <input
          id="new-password-again"
          type="password"
          autoComplete="new-password"
          value={again}
          onInput={(e) => setAgain(e.currentTarget.value)}
          aria-invalid={fields.again ? "true" : undefined}
          aria-describedby={describedBy("new-password-again", fields.again)}
          required
        />
      </Field>
      <button type="submit" disabled={busy}>
        Đổi mật khẩu
      </button>
    </form>
  );
}
