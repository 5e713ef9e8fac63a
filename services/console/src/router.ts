// A hash router: "#/camera/CAM-01-001?x=1" -> { path: ["camera", "CAM-01-001"], query }.
import { useEffect, useState } from "preact/hooks";

export interface Route {
  path: string[];
  query: URLSearchParams;
}

export function parse(hash: string): Route {
  const [p, q] = hash.replace(/^#\/?/, "").split("?", 2);
  return {
    path: p ? p.split("/").map(decodeURIComponent) : [],
    query: new URLSearchParams(q ?? ""),
  };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parse(location.hash));
  useEffect(() => {
    const on = () => setRoute(parse(location.hash));
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return route;
}

export function go(hash: string): void {
  location.hash = hash;
}
