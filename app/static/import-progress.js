// Updates an import's counts while it runs; without JavaScript the page has a Refresh link.
(function () {
  const list = document.getElementById("import-progress");
  const url = list && list.dataset.progressUrl;
  if (!url) return;
  const timer = setInterval(async function () {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const progress = await response.json();
    for (const cell of list.querySelectorAll("[data-field]")) {
      cell.textContent = progress[cell.dataset.field];
    }
    if (progress.state === "done" || progress.state === "failed") {
      clearInterval(timer);
      window.location.reload(); // shows the summary and the rejected rows
    }
  }, 2000);
})();
