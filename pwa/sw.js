// Service worker of the dispatch PWA (served at /sw.js, scope /).
// The server fills in the version (a hash over the shell files) and the list of shell files.
const VERSION = "__SHELL_VERSION__";
const SHELL = __SHELL_FILES__;
const SHELL_CACHE = `shell-${VERSION}`;
const DATA_CACHE = "api-data";
const OFFLINE_URL = "/offline";
// API reads whose last answer is kept for reading while offline (not searches, not tokens);
// /addresses/all is the quarter's address list the app searches when there is no connection.
const KEEP_API = ["/api/v1/me", "/api/v1/me/shifts", "/api/v1/me/notifications",
  "/api/v1/requests", "/api/v1/offers", "/api/v1/trips/today", "/api/v1/board",
  "/api/v1/config", "/api/v1/map/streets", "/api/v1/residents", "/api/v1/addresses/all"];

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL_CACHE);
    // One by one, so a single missing file does not leave the whole shell uncached.
    await Promise.all(SHELL.map(async (url) => {
      try {
        const resp = await fetch(url, { cache: "no-cache", credentials: "same-origin" });
        if (resp.ok && !resp.redirected) await cache.put(url, resp);
      } catch (err) {
        console.warn("not cached", url, err);
      }
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith("shell-") && n !== SHELL_CACHE)
      .map((n) => caches.delete(n)));
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "logout") event.waitUntil(caches.delete(DATA_CACHE));
});

function offlineJson() {
  return new Response(JSON.stringify({
    offline: true, error: { code: "offline", message: "offline" },
  }), { status: 503, headers: { "Content-Type": "application/json", "X-From-Cache": "1" } });
}

/** Pages: fresh from the network when possible, else the cached shell, else the offline page. */
async function page(request) {
  const cache = await caches.open(SHELL_CACHE);
  const url = new URL(request.url);
  try {
    const resp = await fetch(request);
    if (resp.ok && !resp.redirected && SHELL.includes(url.pathname)) {
      cache.put(url.pathname, resp.clone());
    }
    return resp;
  } catch (err) {
    return (await cache.match(url.pathname)) || (await cache.match(OFFLINE_URL)) ||
      new Response("offline", { status: 503, headers: { "Content-Type": "text/plain" } });
  }
}

/** Shell files: from the cache (the version in the cache name changes when they change). */
async function shellFile(request) {
  const cache = await caches.open(SHELL_CACHE);
  const url = new URL(request.url);
  const hit = await cache.match(url.pathname);
  if (hit) return hit;
  try {
    return await fetch(request);
  } catch (err) {
    return new Response("", { status: 503 });
  }
}

/** API reads: the network first; the last answer is kept for reading while offline. */
async function apiRead(request) {
  const cache = await caches.open(DATA_CACHE);
  try {
    const resp = await fetch(request);
    if (resp.ok) cache.put(request, resp.clone());
    return resp;
  } catch (err) {
    const hit = await cache.match(request);
    if (hit) {
      const headers = new Headers(hit.headers);
      headers.set("X-From-Cache", "1");
      return new Response(await hit.blob(), { status: hit.status, headers });
    }
    return offlineJson();
  }
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/socket.io/")) return;
  if (request.mode === "navigate") {
    event.respondWith(page(request));
  } else if (url.pathname.startsWith("/api/")) {
    // Everything else (CSRF token, searches, writes) goes straight to the network; the app
    // keeps bookings in its own queue when they fail.
    if (request.method === "GET" && KEEP_API.includes(url.pathname)) {
      event.respondWith(apiRead(request));
    }
  } else if (request.method === "GET" && SHELL.includes(url.pathname)) {
    event.respondWith(shellFile(request));
  }
});
