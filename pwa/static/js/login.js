// Landing and login: a resident's one-time code, or staff e-mail and password.
import { ApiError, HOME_BY_ROLE, api, boot, errorText, setLanguage, t } from "./app.js";

function nextUrl(person) {
  const next = new URLSearchParams(location.search).get("next");
  if (next && next.startsWith("/app/")) return next;
  return HOME_BY_ROLE[person.role] || "/";
}

async function afterLogin(data) {
  const person = data.person || data;
  if (person.ui_language) await setLanguage(person.ui_language, { save: false });
  location.assign(nextUrl(person));
}

function showError(id, message) {
  const el = document.getElementById(id);
  el.textContent = message;
  el.hidden = !message;
}

async function submitCode(code) {
  showError("code-error", "");
  const input = document.getElementById("code-input");
  if (!code) {
    showError("code-error", t("login.code_missing"));
    input.setAttribute("aria-invalid", "true");
    input.focus();
    return;
  }
  try {
    await afterLogin(await api("POST", "/auth/code", { code }));
  } catch (err) {
    input.setAttribute("aria-invalid", "true");
    showError("code-error", err instanceof ApiError && (err.status === 401 || err.status === 422)
      ? t("login.code_wrong") : errorText(err));
    input.focus();
  }
}

async function main() {
  await boot();
  // Already logged in? Go straight to the right page.
  try {
    const data = await api("GET", "/me");
    const person = data.person || data;
    if (person && person.role && document.body.dataset.face === "landing") {
      location.replace(nextUrl(person));
      return;
    }
    if (person && person.first_name) {
      const state = document.getElementById("login-state");
      if (state) {
        state.textContent = t("login.already", { name: person.first_name });
        state.hidden = false;
      }
    }
  } catch { /* not logged in */ }

  const codeForm = document.getElementById("code-form");
  if (!codeForm) return;
  const params = new URLSearchParams(location.search);
  const codeInput = document.getElementById("code-input");
  codeForm.addEventListener("submit", (e) => {
    e.preventDefault();
    submitCode(codeInput.value.trim());
  });
  if (params.get("code")) {
    codeInput.value = params.get("code");
    submitCode(codeInput.value.trim());
  }

  const staffForm = document.getElementById("staff-form");
  staffForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    showError("staff-error", "");
    const email = document.getElementById("email");
    const password = document.getElementById("password");
    if (!email.value.trim() || !password.value) {
      showError("staff-error", t("login.staff_missing"));
      (email.value.trim() ? password : email).focus();
      return;
    }
    try {
      await afterLogin(await api("POST", "/auth/login",
        { email: email.value.trim(), password: password.value }));
    } catch (err) {
      showError("staff-error", err instanceof ApiError && (err.status === 401 || err.status === 422)
        ? t("login.staff_wrong") : errorText(err));
      password.setAttribute("aria-invalid", "true");
      password.focus();
    }
  });
}

main();
