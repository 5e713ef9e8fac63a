// Vietnamese wording of the API's enumerations.
import type { CameraState, Purpose, QualityFlag, Role, SiteKind } from "./api";

export const STATE_TEXT: Record<CameraState, string> = {
  connected: "Có kết nối",
  lost_connection: "Mất kết nối",
  never_connected: "Chưa kết nối",
  unstable: "Kết nối không ổn định",
  unknown: "Chưa rõ",
};

export const SITE_KIND_TEXT: Record<SiteKind, string> = {
  service_center: "Trung tâm phục vụ hành chính công",
  committee_hq: "Trụ sở UBND",
  square: "Quảng trường",
  public_place: "Khu vực công cộng",
  sector_site: "Địa điểm của ngành",
};

export const PURPOSE_TEXT: Record<Purpose, string> = {
  public_order: "Bảo đảm an ninh, trật tự",
  traffic_safety: "Bảo đảm an toàn giao thông",
  incident_investigation: "Điều tra, xác minh vụ việc",
  administrative_supervision: "Giám sát hoạt động hành chính",
  technical_maintenance: "Kiểm tra kỹ thuật, bảo trì",
  citizen_service: "Phục vụ người dân",
  other: "Mục đích khác",
};

export const QUALITY_FLAG_TEXT: Record<QualityFlag, string> = {
  black: "hình đen",
  blurred: "hình mờ",
  frozen: "hình đứng",
  low_fps: "tốc độ khung hình thấp",
  bitrate_collapse: "tốc độ bit sụt giảm",
  codec_mismatch: "chuẩn nén không như đăng ký",
  resolution_mismatch: "độ phân giải không như đăng ký",
};

export const ROLE_TEXT: Record<Role, string> = {
  province_admin: "Quản trị cấp tỉnh",
  unit_operator: "Cán bộ vận hành đơn vị",
  unit_viewer: "Cán bộ xem của đơn vị",
  sector_operator: "Cán bộ vận hành chuyên ngành",
  auditor: "Kiểm tra, giám sát",
  app_client: "Ứng dụng C-Thái Nguyên",
};

/** The CSS class of a state (the board's and the list's colours). */
export function stateClass(state: CameraState): string {
  return `state-${state}`;
}

/** The registry's compliance findings (R16: H.265, QCVN 135:2024, ONVIF ≥ 2.0). */
export const COMPLIANCE_TEXT: Record<string, string> = {
  codec_not_h265: "Không dùng chuẩn nén H.265",
  no_qcvn135_cert: "Chưa có chứng nhận hợp quy QCVN 135:2024",
  qcvn135_cert_expired: "Chứng nhận QCVN 135:2024 đã hết hạn",
  onvif_below_2_0: "ONVIF thấp hơn phiên bản 2.0",
  measured_codec_not_h265: "Luồng đo được không phải H.265",
  codec_not_as_declared: "Chuẩn nén đo được khác chuẩn đã đăng ký",
  resolution_not_as_declared: "Độ phân giải đo được khác độ phân giải đã đăng ký",
};
