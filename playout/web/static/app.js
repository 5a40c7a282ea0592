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
      for (const [name, id] of [["title", "up-title"], ["tags", "up-tags"], ["valid_from", "up-valid-from"],
                                ["valid_until", "up-valid-until"]]) {
        const input = document.getElementById(id);
        if (input) form.append(name, input.value);
      }
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

// Live from the microphone ("Phát trực tiếp"): the microphone through an AudioWorklet,
// 100 ms chunks of PCM posted to the station one request at a time (what piles up while a
// request is out goes in the next), each with its place in the stream and its capture time.
(function () {
  const box = document.getElementById("live");
  if (!box) return;
  const csrf = document.body.dataset.csrf;
  const status = document.getElementById("live-status");
  const where = document.getElementById("live-where");
  const meter = document.getElementById("live-meter");
  const elapsed = document.getElementById("live-elapsed");
  const startBtn = document.getElementById("live-start");
  const stopBtn = document.getElementById("live-stop");
  let ctx = null, stream = null, talk = null, pos = 0, queue = [], sending = false, ending = false;

  const show = (state, extra) => {
    const key = "l" + state.split("_").map((w) => w[0].toUpperCase() + w.slice(1)).join("");
    status.textContent = (box.dataset[key] || state) + (extra ? " " + extra : "");
    status.dataset.state = state;
  };
  const post = async (url, body, type) => {
    const resp = await fetch(url, { method: "POST", body, cache: "no-store", headers: {
      "Content-Type": type || "application/json", "X-CSRF-Token": csrf, "X-Requested-With": "fetch" } });
    const data = await resp.json().catch(() => ({ ok: false, message: String(resp.status) }));
    if (!resp.ok || !data.ok) throw new Error(data.message || resp.status);
    return data;
  };
  const clock = (ms) => { const s = Math.floor(ms / 1000); return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0"); };
  const update = (st) => {
    if (!st || !st.state || ending && (st.state === "on_air" || st.state === "waiting")) return;
    if (st.state === "saved") show("saved", "#" + st.clip_id + " «" + st.title + "»");
    else if (st.state === "failed") show("failed", st.problem || "");
    else show(st.state);
    where.textContent = st.zones && st.zones.length ? "→ " + st.zones.join(", ") : "";
    if (st.state === "on_air") elapsed.textContent = clock(st.elapsed_ms);
  };
  const pump = async () => {
    if (sending || !talk || !queue.length) return;
    sending = true;
    let parts = queue; queue = [];
    // After a long stall only the freshest two seconds go (the station fills the rest with
    // silence): a live must not fall further and further behind.
    while (parts.length > 20) { pos += parts[0].pcm.length; parts = parts.slice(1); }
    const n = parts.reduce((a, p) => a + p.pcm.length, 0);
    const all = new Int16Array(n);
    let k = 0;
    for (const p of parts) { all.set(p.pcm, k); k += p.pcm.length; }
    const url = box.dataset.chunk + "?id=" + encodeURIComponent(talk) + "&pos=" + pos + "&t=" + parts[0].t.toFixed(1);
    pos += n;
    try { update(await post(url, all.buffer, "application/octet-stream")); }
    catch (e) { show("lost", "(" + e.message + ")"); }
    sending = false;
    pump();
  };
  const release = () => {
    if (stream) stream.getTracks().forEach((t) => t.stop());
    if (ctx) ctx.close();
    stream = ctx = null;
  };
  const waitSaved = async (id) => {
    for (let i = 0; i < 120; i++) {
      try {
        const st = await post(box.dataset.state, JSON.stringify({ id }));
        update(st);
        if (st.state === "saved" || st.state === "failed") return;
      } catch (e) { return; }
      await new Promise((r) => setTimeout(r, 500));
    }
  };

  startBtn.addEventListener("click", async () => {
    startBtn.disabled = true;
    ending = false;
    show("connecting");
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: {
        channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
      ctx = new AudioContext({ sampleRate: 48000, latencyHint: "interactive" });
      await ctx.audioWorklet.addModule(box.dataset.worklet);
    } catch (e) {
      release();
      show("no_mic", "");
      status.textContent = box.dataset.lNoMic.replace("{detail}", e.name || e.message);
      startBtn.disabled = false;
      return;
    }
    const level = (box.querySelector("input[name=live-level]:checked") || {}).value || "normal";
    const zones = [...box.querySelectorAll("input[name=live-zone]:checked")].map((z) => z.value);
    try {
      const st = await post(box.dataset.start, JSON.stringify({ level, zones }));
      talk = st.id; pos = 0; queue = [];
      box.dataset.talk = talk;
      show("waiting");
    } catch (e) {
      release();
      show("failed", e.message);
      startBtn.disabled = false;
      return;
    }
    const node = new AudioWorkletNode(ctx, "pcm-chunks", { numberOfInputs: 1, numberOfOutputs: 1, channelCount: 1,
                                                           channelCountMode: "explicit" });
    const mute = ctx.createGain();
    mute.gain.value = 0; // pulled by the destination, heard nowhere
    node.port.onmessage = (ev) => {
      const pcm = new Int16Array(ev.data);
      // Captured: its last sample just now, its first a chunk's length ago (this clock is
      // the station's too, on the studio PC: the delay is measured from it).
      queue.push({ pcm, t: Date.now() - pcm.length / 48 });
      let peak = 0;
      for (let i = 0; i < pcm.length; i += 8) peak = Math.max(peak, Math.abs(pcm[i]));
      meter.value = peak / 32768;
      pump();
    };
    ctx.createMediaStreamSource(stream).connect(node);
    node.connect(mute).connect(ctx.destination);
    stopBtn.disabled = false;
  });

  stopBtn.addEventListener("click", async () => {
    stopBtn.disabled = true;
    ending = true;
    const id = talk;
    release();
    show("ending");
    try { update(await post(box.dataset.stop, JSON.stringify({ id }))); }
    catch (e) { show("failed", e.message); }
    talk = null;
    meter.value = 0;
    await waitSaved(id);
    startBtn.disabled = false;
  });
})();

// Record an announcement on the live page, listen to it, then import it (the library's own
// upload: the normal import, with its title and validity window) or air it now (imported
// first, then the station's air-now at the level and to the zones chosen above).
(function () {
  const box = document.getElementById("record");
  if (!box) return;
  const csrf = document.body.dataset.csrf;
  const status = document.getElementById("rec-status");
  const link = document.getElementById("rec-clip");
  const player = document.getElementById("rec-play");
  const startBtn = document.getElementById("rec-start");
  const stopBtn = document.getElementById("rec-stop");
  const importBtn = document.getElementById("rec-import");
  const airBtn = document.getElementById("rec-air");
  const elapsed = document.getElementById("rec-elapsed");
  let recorder = null, stream = null, blob = null, clip = null, began = 0;

  const show = (state, extra) => {
    const key = "l" + state[0].toUpperCase() + state.slice(1);
    status.textContent = (box.dataset[key] || state).replace("{seconds}", extra || "") +
      (extra && !(box.dataset[key] || "").includes("{seconds}") ? " " + extra : "");
    status.dataset.state = state;
  };
  const ready = (on) => { importBtn.disabled = airBtn.disabled = !on; };

  startBtn.addEventListener("click", async () => {
    startBtn.disabled = true;
    ready(false);
    clip = null; link.textContent = ""; link.removeAttribute("href");
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: {
        channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
    } catch (e) {
      show("failed", e.name || e.message);
      startBtn.disabled = false;
      return;
    }
    const parts = [];
    recorder = new MediaRecorder(stream, { mimeType: "audio/webm;codecs=opus", audioBitsPerSecond: 128000 });
    recorder.ondataavailable = (ev) => {
      if (ev.data.size) parts.push(ev.data);
      elapsed.textContent = ((Date.now() - began) / 1000).toFixed(1) + " s";
    };
    recorder.onstop = () => {
      stream.getTracks().forEach((t) => t.stop());
      blob = new Blob(parts, { type: recorder.mimeType || "audio/webm" });
      box.dataset.bytes = blob.size;
      player.src = URL.createObjectURL(blob);
      show("ready", ((Date.now() - began) / 1000).toFixed(1));
      ready(true);
      startBtn.disabled = false;
    };
    began = Date.now();
    recorder.start(250);
    show("recording");
    stopBtn.disabled = false;
  });

  stopBtn.addEventListener("click", () => {
    stopBtn.disabled = true;
    if (recorder && recorder.state !== "inactive") recorder.stop();
  });

  const importIt = async () => {
    if (clip) return clip;
    const form = new FormData();
    form.append("file", blob, "thong-bao.webm");
    form.append("kind", "announcement");
    form.append("title", document.getElementById("rec-name").value);
    form.append("valid_from", document.getElementById("rec-from").value);
    form.append("valid_until", document.getElementById("rec-until").value);
    show("importing");
    const resp = await fetch(box.dataset.upload, { method: "POST", body: form, cache: "no-store",
      headers: { "X-CSRF-Token": csrf, "X-Requested-With": "fetch" } });
    const data = await resp.json().catch(() => ({ ok: false, message: String(resp.status) }));
    if (!resp.ok || !data.ok || !data.clip_id) throw new Error(data.message || resp.status);
    clip = data.clip_id;
    link.textContent = "#" + clip + " «" + document.getElementById("rec-name").value + "»";
    link.href = box.dataset.library + "?q=" + encodeURIComponent(document.getElementById("rec-name").value);
    return clip;
  };

  importBtn.addEventListener("click", async () => {
    ready(false);
    try { await importIt(); show("imported"); }
    catch (e) { show("failed", e.message); }
    airBtn.disabled = false;
    importBtn.disabled = !!clip;
  });

  airBtn.addEventListener("click", async () => {
    ready(false);
    const level = (document.querySelector("input[name=live-level]:checked") || {}).value || "normal";
    const zones = [...document.querySelectorAll("input[name=live-zone]:checked")].map((z) => z.value);
    try {
      const id = await importIt();
      const resp = await fetch(box.dataset.air, { method: "POST", cache: "no-store", body: JSON.stringify({ clip: id, level, zones }),
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "X-Requested-With": "fetch" } });
      const data = await resp.json().catch(() => ({ ok: false, message: String(resp.status) }));
      if (!resp.ok || !data.ok) throw new Error(data.message || resp.status);
      show("aired");
    } catch (e) { show("failed", e.message); }
    airBtn.disabled = false;
    importBtn.disabled = !!clip;
  });
})();
