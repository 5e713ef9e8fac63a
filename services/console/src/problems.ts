// The API's problem details (RFC 9457 with tncam's stable `code`), shown in Vietnamese.

export interface FieldError {
  loc: string[];
  msg?: string;
  type?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly fields: Record<string, string> = {},
    /** The gateway's own detail (Vietnamese, with the English gloss in brackets). */
    readonly serverDetail: string = "",
  ) {
    super(detail);
  }
}

/** Wording for the codes a person meets most; others keep the gateway's own detail. */
const CODE_TEXT: Record<string, string> = {
  "gateway.auth.invalid_credentials": "Tên đăng nhập hoặc mật khẩu không đúng.",
  "gateway.auth.mfa_required": "Nhập mã xác thực 6 số từ ứng dụng xác thực (TOTP).",
  "gateway.auth.mfa_enrollment_required":
    "Tài khoản cần đăng ký xác thực hai lớp (TOTP) trước khi đăng nhập.",
  "gateway.auth.throttled": "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau.",
  "gateway.auth.password_change_required": "Cần đổi mật khẩu trước khi tiếp tục.",
  "gateway.auth.invalid_token": "Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại.",
  "gateway.auth.token_missing": "Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại.",
  "gateway.password.too_short": "Mật khẩu mới phải có ít nhất 12 ký tự.",
  "gateway.password.common": "Mật khẩu mới quá phổ biến, dễ bị đoán.",
  "gateway.password.unchanged": "Mật khẩu mới phải khác mật khẩu hiện tại.",
  "gateway.password.contextual": "Mật khẩu mới không được chứa tên đăng nhập hoặc tên người dùng.",
  "gateway.password.predictable": "Mật khẩu mới quá dễ đoán.",
  "gateway.authz.role_forbidden": "Vai trò của bạn không được phép thực hiện thao tác này.",
};

const FIELD_TEXT: Record<string, string> = {
  missing: "Bắt buộc nhập.",
  string_too_short: "Quá ngắn.",
  string_too_long: "Quá dài.",
  string_pattern_mismatch: "Không đúng định dạng.",
  enum: "Giá trị không hợp lệ.",
  literal_error: "Giá trị không hợp lệ.",
  value_error: "Giá trị không hợp lệ.",
};

interface ProblemBody {
  code?: string;
  detail?: string;
  errors?: unknown;
}

/** An ApiError from a failed response and its (problem+json) body, if any. */
export function toApiError(status: number, body: unknown): ApiError {
  const p = (body && typeof body === "object" ? body : {}) as ProblemBody;
  const code = p.code ?? `http.${status}`;
  const fields: Record<string, string> = {};
  if (Array.isArray(p.errors)) {
    for (const e of p.errors as FieldError[]) {
      const name = e.loc?.[e.loc.length - 1];
      if (name) fields[name] = (e.type && FIELD_TEXT[e.type]) || "Giá trị không hợp lệ.";
    }
  }
  const server = (p.detail ?? "").replace(/\s*\([^()]*\)\s*$/, "");
  const text =
    CODE_TEXT[code] ??
    (Object.keys(fields).length
      ? "Dữ liệu nhập chưa hợp lệ, xem ghi chú bên cạnh từng ô."
      : undefined) ??
    (status >= 500 ? "Hệ thống đang bận hoặc gặp lỗi. Vui lòng thử lại sau." : undefined) ??
    (server || `Lỗi ${status}`);
  return new ApiError(status, code, text, fields, server);
}

export function messageOf(e: unknown): string {
  if (e instanceof ApiError) return e.detail;
  return "Không kết nối được tới máy chủ. Kiểm tra mạng và thử lại.";
}
