import brain from 'brain.js';
const H = 128;
const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?\'"-()';
const V = 65;
const chars = alphabet.slice(0, V);
const seqs: string[] = [];
for (let i = 0; i < 8; i++) { let s = ''; for (let t = 0; t < 50; t++) s += chars[Math.floor(Math.random() * V)]; seqs.push(s); }
for (const kind of ['LSTM', 'GRU', 'RNN'] as const) {
  const Net = (brain as any).recurrent[kind];
  const net = new Net({ hiddenLayers: [H], dataFormatter: new (brain as any).utilities.DataFormatter(chars.split('')) });
  net.initialize?.();
  const t0 = performance.now();
  net.train(seqs, { iterations: 1, log: false });
  const dt = performance.now() - t0;
  console.log(kind, (8 * 50 / dt * 1000).toFixed(0), 'chars/s', Object.keys(net.model ?? {}).slice(0, 5));
}
