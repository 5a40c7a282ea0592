// Live from the microphone: the audio thread's part. Collects the microphone's samples
// (the AudioContext runs at 48 kHz) into 100 ms chunks of 16-bit mono PCM and hands each
// to the page, which sends it to the station.
"use strict";
class PcmChunks extends AudioWorkletProcessor {
  constructor() {
    super();
    this.size = 4800; // 100 ms at 48 kHz
    this.buf = new Int16Array(this.size);
    this.n = 0;
  }
  process(inputs) {
    const ch = inputs[0] && inputs[0][0];
    if (ch) {
      for (let i = 0; i < ch.length; i++) {
        const v = Math.max(-1, Math.min(1, ch[i]));
        this.buf[this.n++] = v < 0 ? v * 32768 : v * 32767;
        if (this.n === this.size) {
          this.port.postMessage(this.buf.buffer, [this.buf.buffer]);
          this.buf = new Int16Array(this.size);
          this.n = 0;
        }
      }
    }
    return true;
  }
}
registerProcessor("pcm-chunks", PcmChunks);
