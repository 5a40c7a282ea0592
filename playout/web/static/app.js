// playout web page: the little behaviour the pages need. No framework, nothing fetched
// from elsewhere; every request carries the CSRF token from the page.
"use strict";
(function () {
  const csrf = document.body.dataset.csrf;

  // The menu folds on a phone.
  const toggle = document.querySelector(".menu-toggle");
  if (toggle) {
    toggle.addEventListener("click", () => {
      const nav = document.getElementById("nav");
      const open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // Forms that change something lasting ask first.
  document.addEventListener("submit", (ev) => {
    const msg = ev.target.dataset && ev.target.dataset.confirm;
    if (msg && !window.confirm(msg)) ev.preventDefault();
  });

  // Listen to a clip: the button becomes a player.
  document.addEventListener("click", (ev) => {
    const btn = ev.target.closest("button.listen");
    if (!btn) return;
    const audio = document.createElement("audio");
    audio.controls = true;
    audio.autoplay = true;
    audio.preload = "auto";
    audio.src = btn.dataset.src;
    btn.replaceWith(audio);
  });

  // Now: the status block is re-rendered by the server every second.
  const live = document.getElementById("now-live");
  if (live) {
    const state = document.getElementById("live-state");
    const tick = async () => {
      try {
        const resp = await fetch(live.dataset.src, { headers: { "X-Requested-With": "fetch" }, cache: "no-store" });
        if (resp.status === 401) { window.location.reload(); return; }
        if (!resp.ok) throw new Error(resp.status);
        // A list the reader opened (a zone's speakers) stays open across the refresh.
        const open = [...live.querySelectorAll("details[open][id]")].map((d) => d.id);
        live.innerHTML = await resp.text();
        for (const id of open) {
          const d = document.getElementById(id);
          if (d) d.open = true;
        }
        state.classList.remove("off");
        state.textContent = state.dataset.on;
      } catch (e) {
        state.classList.add("off");
        state.textContent = state.dataset.off;
      }
      setTimeout(tick, 1000);
    };
    setTimeout(tick, 1000);
  }

  // Air now: narrow the list of clips as you type.
  const filter = document.getElementById("clip-filter");
  if (filter) {
    filter.addEventListener("input", () => {
      const needle = filter.value.normalize("NFC").toLocaleLowerCase();
      for (const opt of document.querySelectorAll("#clip option")) {
        opt.hidden = needle !== "" && !opt.textContent.normalize("NFC").toLocaleLowerCase().includes(needle);
      }
    });
  }

  // Library: upload files one after another, each with its progress and its result line.
  const box = document.getElementById("upload");
  if (box) {
    const drop = document.getElementById("drop");
    const input = document.getElementById("files");
    const results = document.getElementById("up-results");
    const limit = Number(box.dataset.limit);
    let queue = Promise.resolve();
    let pending = 0;

    const line = (name) => {
      const li = document.createElement("li");
      const text = document.createElement("span");
      text.className = "msg";
      text.textContent = name;
      const bar = document.createElement("progress");
      bar.max = 100;
      bar.value = 0;
      li.append(text, bar);
      results.prepend(li);
      return { li, text, bar };
    };

    const finish = (row, ok, message) => {
      row.bar.remove();
      row.text.textContent = (ok ? "✓ " : "✗ ") + message;
      row.text.classList.add(ok ? "ok" : "error");
      row.li.dataset.outcome = ok ? "ok" : "error";
    };

    const send = (file, row) => new Promise((resolve) => {
      const form = new FormData();
      form.append("kind", document.getElementById("up-kind").value);
      form.append("programme", document.getElementById("up-programme").value);
      form.append("episode_date", document.getElementById("up-date").value);
      form.append("file", file, file.name);
      const xhr = new XMLHttpRequest();
      xhr.open("POST", box.dataset.url);
      xhr.setRequestHeader("X-CSRF-Token", csrf);
      xhr.setRequestHeader("X-Requested-With", "fetch");
      xhr.setRequestHeader("X-File-Name", encodeURIComponent(file.name));
      xhr.upload.onprogress = (ev) => { if (ev.lengthComputable) row.bar.value = (100 * ev.loaded) / ev.total; };
      xhr.upload.onload = () => { row.bar.removeAttribute("value"); row.text.textContent = file.name + " — " + box.dataset.importing + "…"; };
      xhr.onload = () => {
        let body = {};
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = { ok: false, message: xhr.status + " " + xhr.statusText }; }
        finish(row, !!body.ok, body.message || "");
        resolve();
      };
      xhr.onerror = () => { finish(row, false, file.name + ": " + (xhr.statusText || "network error")); resolve(); };
      xhr.send(form);
    });

    const refreshTable = async () => {
      const resp = await fetch(window.location.href, { cache: "no-store" });
      const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
      const fresh = doc.getElementById("clips");
      if (fresh) document.getElementById("clips").replaceWith(fresh);
    };

    const start = (files) => {
      for (const file of files) {
        const row = line(file.name);
        if (file.size > limit) { finish(row, false, box.dataset.tooLarge.replace("{file}", file.name)); continue; }
        pending += 1;
        queue = queue.then(() => send(file, row)).then(async () => {
          pending -= 1;
          if (pending === 0) await refreshTable();
        });
      }
    };

    input.addEventListener("change", () => { start(Array.from(input.files)); input.value = ""; });
    drop.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); input.click(); } });
    ["dragenter", "dragover"].forEach((t) => drop.addEventListener(t, (ev) => { ev.preventDefault(); drop.classList.add("over"); }));
    ["dragleave", "drop"].forEach((t) => drop.addEventListener(t, (ev) => { ev.preventDefault(); drop.classList.remove("over"); }));
    drop.addEventListener("drop", (ev) => start(Array.from(ev.dataTransfer.files)));
  }
})();

// Week grid: on a narrow screen, scroll today's column into view (the grid scrolls sideways).
(() => {
  const wrap = document.querySelector(".weekwrap");
  const today = wrap && wrap.querySelector("thead th.today");
  if (wrap && today && wrap.scrollWidth > wrap.clientWidth) {
    wrap.scrollLeft = Math.max(0, today.offsetLeft - wrap.querySelector("thead th.hour").offsetWidth);
  }
})();
