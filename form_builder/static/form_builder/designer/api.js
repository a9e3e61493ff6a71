// The designer's calls to the server (form_builder/designer/api.py). Every POST carries the
// page's CSRF token in the X-CSRFToken header.

let csrfToken = "";

export function setCsrfToken(token) {
  csrfToken = token;
}

export function csrf() {
  return csrfToken;
}

/** POST ``body`` as JSON; resolves to {status, data} whatever the status (data may be null). */
export async function postJson(url, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
    body: JSON.stringify(body),
  });
  return { status: response.status, data: await response.json().catch(() => null) };
}

const cache = new Map();

/** The org units of ``kind`` (users, roles, departments, positions, companies) as
 * [{value, label}], fetched once per page. */
export function orgChoices(urlTemplate, kind) {
  if (!cache.has(kind)) {
    const url = urlTemplate.replace("KIND", encodeURIComponent(kind));
    cache.set(
      kind,
      fetch(url, { credentials: "same-origin" })
        .then((response) => (response.ok ? response.json() : { choices: [] }))
        .then((data) => data.choices || []),
    );
  }
  return cache.get(kind);
}
