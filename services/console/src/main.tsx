// The console's shell: resume the tab's session, the navigation of the pages the user's role
// may use, and the page of the current address (`#/…`). Every page talks to the public API.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { Role } from "./api";
import { ROLE_TEXT } from "./labels";
import { AccountPage } from "./pages/account";
import { AccountsPage } from "./pages/accounts";
import { AnnualPage } from "./pages/annual";
import { AuditPage } from "./pages/audit";
import { BoardPage } from "./pages/board";
import { BreachesPage } from "./pages/breaches";
import { CameraPage } from "./pages/camera";
import { CameraListPage } from "./pages/cameras";
import { DutiesPage } from "./pages/duties";
import { GrantsPage } from "./pages/grants";
import { MaintenancePage } from "./pages/maintenance";
import { NeedsPage } from "./pages/needs";
import { PlaybackPage } from "./pages/playback";
import { ReportsPage } from "./pages/reports";
import { ReviewPage } from "./pages/review";
import { SignIn } from "./pages/signin";
import { WallPage } from "./pages/wall";
import { mayReadAudit } from "./records";
import { go, useRoute } from "./router";
import type { Route } from "./router";
import { CAMERA_ROLES, currentUser, onSessionChange, resume, signOut } from "./session";

interface Page {
  path: string;
  title: string;
  roles: readonly Role[];
  /** Reached from another place rather than the menu (the user's name in the header, a link). */
  hidden?: boolean;
  /** A further condition than the role (the audit search: a unit's leader only). */
  when?: () => boolean;
}

const ALL: readonly Role[] = Object.keys(ROLE_TEXT) as Role[];
const PAGES: Page[] = [
  { path: "bang", title: "Bảng tình trạng", roles: CAMERA_ROLES },
  { path: "camera", title: "Camera", roles: CAMERA_ROLES },
  { path: "xem-truc-tiep", title: "Xem trực tiếp", roles: CAMERA_ROLES },
  {
    path: "su-co",
    title: "Sự cố, thời hạn",
    roles: ["province_admin", "auditor", "unit_operator", "unit_viewer"],
  },
  { path: "quyen-truy-cap", title: "Quyền truy cập", roles: ["province_admin", "auditor", "unit_operator"] },
  { path: "quan-ly-tai-khoan", title: "Quản lý tài khoản", roles: ["province_admin"] },
  { path: "tai-khoan", title: "Tài khoản của tôi", roles: ALL, hidden: true },
  { path: "xem-lai", title: "Xem lại", roles: CAMERA_ROLES },
  { path: "bao-cao", title: "Báo cáo", roles: CAMERA_ROLES },
  {
    path: "bao-cao-nam",
    title: "Báo cáo năm",
    roles: ["province_admin", "unit_operator", "unit_viewer"],
    hidden: true, // reached from the connection report's page
  },
  // Records and duties (issue 16, third part).
  { path: "bao-tri", title: "Bảo trì", roles: ["province_admin", "auditor", "unit_operator", "unit_viewer"] },
  { path: "nhu-cau", title: "Nhu cầu", roles: ["province_admin", "auditor", "unit_operator", "unit_viewer"] },
  { path: "so-su-co", title: "Sổ sự cố lộ lọt", roles: ["province_admin", "auditor"] },
  { path: "nhat-ky", title: "Nhật ký truy cập", roles: ["auditor", "unit_operator", "unit_viewer"], when: mayReadAudit },
  { path: "ra-soat-tai-khoan", title: "Rà soát tài khoản", roles: ["province_admin"], hidden: true },
];

function mayUse(p: Page, role: Role): boolean {
  return p.roles.includes(role) && (!p.when || p.when());
}

function home(role: Role): string {
  return `#/${PAGES.find((p) => mayUse(p, role))?.path ?? "tai-khoan"}`;
}

function Body({ route }: { route: Route }) {
  const [section, id] = route.path;
  switch (section) {
    case "bang":
      return <BoardPage />;
    case "camera":
      return id ? <CameraPage id={id} /> : <CameraListPage query={route.query} />;
    case "xem-truc-tiep":
      return <WallPage query={route.query} />;
    case "su-co":
      return <DutiesPage />;
    case "quyen-truy-cap":
      return <GrantsPage />;
    case "quan-ly-tai-khoan":
      return <AccountsPage />;
    case "tai-khoan":
      return <AccountPage />;
    case "xem-lai":
      return <PlaybackPage query={route.query} />;
    case "bao-cao":
      return <ReportsPage />;
    case "bao-cao-nam":
      return <AnnualPage />;
    case "bao-tri":
      return <MaintenancePage />;
    case "nhu-cau":
      return <NeedsPage />;
    case "so-su-co":
      return <BreachesPage />;
    case "nhat-ky":
      return <AuditPage route={route} />;
    case "ra-soat-tai-khoan":
      return <ReviewPage />;
    default:
      return null;
  }
}

function App() {
  const route = useRoute();
  const [ready, setReady] = useState(false);
  const [, setVersion] = useState(0);
  useEffect(() => {
    const off = onSessionChange(() => setVersion((v) => v + 1));
    void resume()
      .catch(() => null)
      .finally(() => setReady(true));
    return off;
  }, []);

  const me = currentUser();
  const section = route.path[0] ?? "";
  useEffect(() => {
    if (!ready) return;
    // (expire() may have moved to sign-in already, before this render saw the hash change)
    if (!me && section !== "dang-nhap" && !location.hash.startsWith("#/dang-nhap")) {
      go(`#/dang-nhap?tiep=${encodeURIComponent(location.hash || "")}`);
    } else if (me && !me.password_change_required && (section === "" || section === "dang-nhap")) {
      go(route.query.get("tiep") || home(me.role));
    }
  }, [ready, me, section]);
  useEffect(() => {
    const page = PAGES.find((p) => p.path === section);
    document.title = `${page ? page.title : "Đăng nhập"} — tncam Thái Nguyên`;
    const main = document.getElementById("main");
    main?.setAttribute("tabindex", "-1");
    main?.focus({ preventScroll: true });
  }, [section]);

  if (!ready) return <p class="loading">Đang tải…</p>;
  if (!me || section === "dang-nhap" || me.password_change_required) {
    return (
      <SignIn
        next={route.query.get("tiep") ?? ""}
        onDone={(next) => {
          const user = currentUser();
          go(next && next !== "#/" ? next : user ? home(user.role) : "#/");
          setVersion((v) => v + 1);
        }}
      />
    );
  }
  const page = PAGES.find((p) => p.path === section);
  const allowed = page !== undefined && mayUse(page, me.role);
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => {
          e.preventDefault();
          document.getElementById("main")?.focus();
        }}
      >
        Bỏ qua, tới nội dung chính
      </a>
      <header class="top">
        <span class="brand" title="Hệ thống camera giám sát tập trung tỉnh Thái Nguyên">
          tncam Thái Nguyên
        </span>
        <nav aria-label="Chức năng">
          <ul>
            {PAGES.filter((p) => !p.hidden && mayUse(p, me.role)).map((p) => (
              <li>
                <a href={`#/${p.path}`} aria-current={p.path === section ? "page" : undefined}>
                  {p.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <a
          class="who"
          href="#/tai-khoan"
          title={`Tài khoản của tôi: ${ROLE_TEXT[me.role]}`}
          aria-current={section === "tai-khoan" ? "page" : undefined}
        >
          {me.display_name}
          <span class="sr-only"> ({ROLE_TEXT[me.role]}): tài khoản của tôi</span>
        </a>
        <button type="button" class="link" onClick={() => void signOut()}>
          Đăng xuất
        </button>
      </header>
      {allowed ? (
        <Body route={route} />
      ) : (
        <main id="main">
          <h1>Không có quyền truy cập</h1>
          <p>Vai trò của bạn không dùng được trang này.</p>
        </main>
      )}
    </>
  );
}

render(<App />, document.getElementById("app") as HTMLElement);
