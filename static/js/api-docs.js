// API reference page: Swagger UI (from static/vendor, built by `make assets`) reads our
// OpenAPI document. No inline script: the CSP allows only our own files.
document.addEventListener("DOMContentLoaded", () => {
  const target = document.getElementById("swagger-ui");
  if (!target || typeof window.SwaggerUIBundle !== "function") return;
  window.SwaggerUIBundle({
    url: target.dataset.specUrl,
    domNode: target,
    deepLinking: true,
    tryItOutEnabled: false,
    validatorUrl: null,
  });
});
