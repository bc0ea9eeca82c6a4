// tconv's players: one ES module for every host, dependency-free.
//
// In JupyterLab it is an anywidget (tconv.show.widgets.PlayerWidget); in the book and any
// other page it runs from the text/html copy of the same output with a stand-in model
// (`mount`). `render({model, el})` reads `model.get('data')`, draws the player and, after an
// edit, writes the reader's numbers to `model.set('state', ...)` + `save_changes()`.
//
// Part 1 mirrors the library it stands in for, function by function, with the same names,
// order and error messages: tconv._checks, tconv.shapes, tconv.placements and the views of
// tconv.views (zero insertion, C.T), and (1b) of tconv.frameworks what the output-size
// calculator's "same layer in other frameworks" table needs. tests/test_browser_players.py
// runs it against tconv on hundreds of random settings. The parts after it draw frames from
// what part 1 computes.

// ================================================================ 1. The engine

export class TconvError extends Error {
  /** A ValueError or TypeError, as Python's tconv raises it: `type` and the same message. */
  constructor(type, message) { super(message); this.name = type; }
}
const valueError = (message) => new TconvError('ValueError', message);
const typeError = (message) => new TconvError('TypeError', message);

/** A number the reader typed as a float (`2.0`): not an integer, even when it is whole. */
export class PyFloat { constructor(value) { this.value = value; } }

/** Python's repr(float): the shortest digits, '2.0', '1e-05', '1.5e+16', 'inf', 'nan'. */
export function float_repr(v) {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : (v > 0 ? 'inf' : '-inf');
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const [mant, e] = v.toExponential().split('e'), exp = +e;
  const sign = mant[0] === '-' ? '-' : '', digits = mant.replace(/[-.]/g, '');
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, '0'), rest = digits.slice(exp + 1);
  return `${sign}${whole}.${rest || '0'}`;
}

/** Python's repr of a value as the library's messages quote it: 2, 1.5, 'a', (1, 2). */
export function repr(v) {
  if (v instanceof PyFloat) return float_repr(v.value);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : float_repr(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'string') return v.includes("'") && !v.includes('"') ? `"${v}"` : `'${v.replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return v.length === 1 ? `(${repr(v[0])},)` : `(${v.map(repr).join(', ')})`;
  return String(v);
}

/** tconv._checks.as_int: ``value`` as an int, checking it is an integer ≥ ``minimum``. */
export function as_int(value, name, minimum = null) {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw typeError(`${name} must be an integer, got ${repr(value)}`);
  }
  if (!Number.isSafeInteger(value)) {
    throw valueError(`${name} is too large for this player, got ${value}`);
  }
  if (minimum !== null && value < minimum) {
    const rule = minimum === 0 ? 'non-negative' : minimum === 1 ? 'positive' : `at least ${minimum}`;
    throw valueError(`${name} must be ${rule}, got ${value}`);
  }
  return value;
}

/** tconv._checks.as_tuple: an int or a length-``n`` sequence of ints as an ``n``-array. */
export function as_tuple(value, name, n, minimum = null) {
  if (Array.isArray(value)) {
    if (value.length !== n) {
      throw valueError(`${name} must be an integer or ${n} integers, got ${repr(value)}`);
    }
    return value.map((v) => as_int(v, name, minimum));
  }
  return Array(n).fill(as_int(value, name, minimum));
}

const shape_repr = (shape) => repr(shape);

/** The shape of nested arrays as numpy gives it, or a TypeError for ragged or non-numbers. */
function shape_of(arr, name) {
  if (!Array.isArray(arr)) {
    if (typeof arr !== 'number') {
      throw typeError(`${name} must be a numeric array (integers or floats), got ${repr(arr)}`);
    }
    return [];
  }
  if (arr.length === 0) return [0];
  const inner = arr.map((a) => shape_of(a, name));
  const first = JSON.stringify(inner[0]);
  inner.forEach((s, i) => {
    if (JSON.stringify(s) !== first) {
      throw typeError(`${name} must be a rectangular numeric array: row ${i} has shape ` +
                      `${shape_repr(s)}, row 0 has ${shape_repr(inner[0])}`);
    }
  });
  return [arr.length, ...inner[0]];
}

/** tconv.placements._check_image: a non-empty numeric 2-D array, or raise naming ``name``. */
export function check_image(arr, name, layout) {
  const shape = shape_of(arr, name);
  if (shape.length !== 2) {
    throw valueError(`${name} must have shape ${layout}, got ${shape.length}-D shape ${shape_repr(shape)}`);
  }
  if (shape.includes(0)) {
    throw valueError(`${name} must not have an empty dimension, got shape ${shape_repr(shape)}`);
  }
  return arr;
}

/** tconv.shapes.check_output_padding: ``output_padding < max(stride, dilation)``. */
export function check_output_padding(output_padding, stride, dilation, n = 2) {
  const ops = as_tuple(output_padding, 'output_padding', n, 0);
  ops.forEach((op, i) => {
    const s = stride[i], d = dilation[i];
    if (op >= Math.max(s, d)) {
      throw valueError(`output_padding (${op}) must be smaller than stride (${s}) or dilation (${d})`);
    }
  });
  return ops;
}

/** tconv.shapes.conv_transpose_lengths: the output lengths of checked settings. */
export function conv_transpose_lengths(sizes, ks, ss, ps, ops, ds) {
  return sizes.map((i, n) => {
    const [k, s, p, op, d] = [ks[n], ss[n], ps[n], ops[n], ds[n]];
    const o = (i - 1) * s - 2 * p + d * (k - 1) + op + 1;
    if (o <= 0) {
      throw valueError(`padding (${p}) crops away the whole output: ` +
        '(size-1)*stride - 2*padding + dilation*(kernel_size-1) ' +
        `+ output_padding + 1 = ${o}, which must be positive`);
    }
    return o;
  });
}

/** tconv.shapes.conv_lengths: a convolution's output lengths (settings checked). */
export function conv_lengths(sizes, ks, ss, ps, ds) {
  return sizes.map((i, n) => {
    const [k, s, p, d] = [ks[n], ss[n], ps[n], ds[n]];
    const span = d * (k - 1) + 1;
    if (span > i + 2 * p) {
      throw valueError(`kernel_size (${k}, spanning ${span} with dilation ${d}) is larger than ` +
                       `the padded input (${i} + 2*${p} = ${i + 2 * p})`);
    }
    return Math.floor((i + 2 * p - span) / s) + 1;
  });
}

/** tconv.shapes.conv_transpose_output_size, for an int ``size`` or a pair. */
export function conv_transpose_output_size(size, kernel_size, stride = 1, padding = 0,
                                           output_padding = 0, dilation = 1) {
  const n = Array.isArray(size) ? size.length : 1;
  const sizes = as_tuple(size, 'size', n, 1), ks = as_tuple(kernel_size, 'kernel_size', n, 1);
  const ss = as_tuple(stride, 'stride', n, 1), ps = as_tuple(padding, 'padding', n, 0);
  const ds = as_tuple(dilation, 'dilation', n, 1);
  const ops = check_output_padding(output_padding, ss, ds, n);
  const out = conv_transpose_lengths(sizes, ks, ss, ps, ops, ds);
  return Array.isArray(size) ? out : out[0];
}

/** A canvas slice: rows start, start + step, ... < stop (step null when 1). */
const slice = (start, stop, step = null) => ({start, stop, step});
const indices = (s) => { const r = []; for (let i = s.start; i < s.stop; i += s.step || 1) r.push(i); return r; };

/** tconv.placements.Crop: where the output sits on the canvas. */
export class Crop {
  constructor(full_shape, padding, output_padding) {
    Object.assign(this, {full_shape, padding, output_padding});
  }
  get canvas_shape() { return this.full_shape.map((f, i) => f + this.output_padding[i]); }
  get out_shape() { return this.canvas_shape.map((c, i) => c - 2 * this.padding[i]); }
  get rows() { return slice(this.padding[0], this.canvas_shape[0] - this.padding[0]); }
  get cols() { return slice(this.padding[1], this.canvas_shape[1] - this.padding[1]); }
  get extra_rows() { const r = this.rows; return slice(r.stop - this.output_padding[0], r.stop); }
  get extra_cols() { const c = this.cols; return slice(c.stop - this.output_padding[1], c.stop); }
  kept(r, c) {
    const rows = this.rows, cols = this.cols;
    return rows.start <= r && r < rows.stop && cols.start <= c && c < cols.stop;
  }
}

/** tconv.placements.check_scatter: validate like conv_transpose2d does. */
export function check_scatter(x, kernel, stride = 1, padding = 0, output_padding = 0, dilation = 1) {
  x = check_image(x, 'x', '(H, W)');
  kernel = check_image(kernel, 'kernel', '(kH, kW)');
  stride = as_tuple(stride, 'stride', 2, 1);
  padding = as_tuple(padding, 'padding', 2, 0);
  dilation = as_tuple(dilation, 'dilation', 2, 1);
  output_padding = check_output_padding(output_padding, stride, dilation);
  const xs = [x.length, x[0].length], ks = [kernel.length, kernel[0].length];
  conv_transpose_lengths(xs, ks, stride, padding, output_padding, dilation);
  const full_shape = xs.map((n, i) => (n - 1) * stride[i] + dilation[i] * (ks[i] - 1) + 1);
  return {x, kernel, stride, padding, output_padding, dilation,
          crop: new Crop(full_shape, padding, output_padding)};
}

/** tconv.placements._window: the canvas slice a kernel of length k, dilation d covers. */
const _window = (start, k, d) => slice(start, start + d * (k - 1) + 1, d > 1 && k > 1 ? d : null);

const zeros = (h, w) => Array.from({length: h}, () => Array(w).fill(0));
const crop2d = (a, rows, cols) => a.slice(rows.start, rows.stop).map((r) => r.slice(cols.start, cols.stop));

/** tconv.placements.placements: every step of the scatter, in row-major order of x. */
export function placements(x, kernel, stride = 1, padding = 0, output_padding = 0, dilation = 1) {
  return placements_of(check_scatter(x, kernel, stride, padding, output_padding, dilation));
}

/** tconv.placements.placements_of: the steps of checked arguments; sums made on demand. */
export function placements_of(scatter) {
  const {x, kernel, stride, dilation, crop} = scatter;
  const [kH, kW] = [kernel.length, kernel[0].length], steps = [];
  for (let i = 0; i < x.length; i++) {
    for (let j = 0; j < x[0].length; j++) {
      const value = x[i][j];
      steps.push({step: steps.length, index: [i, j], value,
                  rows: _window(i * stride[0], kH, dilation[0]),
                  cols: _window(j * stride[1], kW, dilation[1]),
                  contribution: kernel.map((row) => row.map((w) => value * w))});
    }
  }
  const p = {...scatter, steps};
  [p.canvas, p.canvas_count] = scatter_sums(p, steps.length);
  p.output = crop2d(p.canvas, crop.rows, crop.cols);
  p.overlap = crop2d(p.canvas_count, crop.rows, crop.cols);
  return p;
}

/** The canvas and the count after the first ``upto`` steps (the loop's additions, in order). */
export function scatter_sums(p, upto) {
  const [H, W] = p.crop.canvas_shape, canvas = zeros(H, W), count = zeros(H, W);
  for (const q of p.steps.slice(0, upto)) {
    const rows = indices(q.rows), cols = indices(q.cols);
    rows.forEach((r, a) => cols.forEach((c, b) => {
      canvas[r][c] += q.contribution[a][b];
      count[r][c] += 1;
    }));
  }
  return [canvas, count];
}

/** Canvas cells a step's kernel lands on, row-major (Placement.footprint). */
export const footprint = (q) => indices(q.rows).flatMap((r) => indices(q.cols).map((c) => [r, c]));

/** tconv.placements.gather: the products x[i, j] * kernel[a, b] that sum into out[r, c]. */
export function gather(x, kernel, out_index, stride = 1, padding = 0, output_padding = 0, dilation = 1) {
  return gather_of(check_scatter(x, kernel, stride, padding, output_padding, dilation), out_index);
}

/** tconv.placements.gather_of: gather for checked arguments (``out_index`` is checked). */
export function gather_of(scatter, out_index) {
  const {x, kernel, stride, padding, dilation, crop} = scatter;
  const [r, c] = as_tuple(out_index, 'out_index', 2, 0), out = crop.out_shape;
  if (r >= out[0] || c >= out[1]) {
    throw valueError(`out_index (${r}, ${c}) is outside the output of shape ${shape_repr(out)}`);
  }
  const terms = [];
  for (let a = 0; a < kernel.length; a++) {
    for (let b = 0; b < kernel[0].length; b++) {
      const top = r + padding[0] - a * dilation[0], left = c + padding[1] - b * dilation[1];
      if (mod(top, stride[0]) || mod(left, stride[1])) continue;
      const i = Math.floor(top / stride[0]), j = Math.floor(left / stride[1]);
      if (0 <= i && i < x.length && 0 <= j && j < x[0].length) {
        const value = x[i][j], weight = kernel[a][b];
        terms.push({input_index: [i, j], kernel_index: [a, b], value, weight, product: value * weight});
      }
    }
  }
  const key = (t) => [...t.input_index, ...t.kernel_index];
  return terms.sort((s, t) => { const u = key(s), v = key(t); for (let k = 0; k < 4; k++) if (u[k] !== v[k]) return u[k] - v[k]; return 0; });
}
const mod = (a, n) => ((a % n) + n) % n;

/** tconv.views.rotate180: the kernel turned half a turn. */
export const rotate180 = (kernel) => kernel.slice().reverse().map((row) => row.slice().reverse());

/** tconv.views.zero_insertion_input: zero-inserted x, padded (or cropped) for the turned kernel. */
export function zero_insertion_input(scatter) {
  const {x, kernel, stride: [sh, sw], padding: [ph, pw], output_padding: [oph, opw],
         dilation: [dh, dw]} = scatter;
  const [H, W, kH, kW] = [x.length, x[0].length, kernel.length, kernel[0].length];
  const top = dh * (kH - 1) - ph, left = dw * (kW - 1) - pw;
  const rows = (H - 1) * sh + 1 + 2 * top + oph, cols = (W - 1) * sw + 1 + 2 * left + opw;
  // z[R][C] is stretched cell (R - top, C - left); stretched (u*s, v*s) holds x[u][v]
  const source = (R, C) => {
    const u = R - top, v = C - left;
    if (u < 0 || v < 0 || u % sh || v % sw || u / sh >= H || v / sw >= W) return null;
    return [u / sh, v / sw];
  };
  const z = Array.from({length: rows}, (_, R) => Array.from({length: cols}, (_, C) => {
    const s = source(R, C);
    return s ? x[s[0]][s[1]] : 0;
  }));
  return {z, top, left, source};
}

/** The direct convolution: for each output cell, the turned kernel's window on z and its terms. */
export function direct_of(scatter) {
  const {kernel, dilation: [dh, dw], crop} = scatter;
  const {z, top, left, source} = zero_insertion_input(scatter), turned = rotate180(kernel);
  const [oH, oW] = crop.out_shape, [kH, kW] = [kernel.length, kernel[0].length];
  const cells = [], output = zeros(oH, oW);
  for (let r = 0; r < oH; r++) {
    for (let c = 0; c < oW; c++) {
      const terms = [];
      let sum = 0;
      for (let a = 0; a < kH; a++) {
        for (let b = 0; b < kW; b++) {
          const R = r + a * dh, C = c + b * dw, s = source(R, C);
          sum += z[R][C] * turned[a][b];
          if (s) terms.push({z_index: [R, C], input_index: s, kernel_index: [a, b],
                             value: z[R][C], weight: turned[a][b], product: z[R][C] * turned[a][b]});
        }
      }
      output[r][c] = sum;
      cells.push({index: [r, c], rows: _window(r, kH, dh), cols: _window(c, kW, dw), terms});
    }
  }
  return {...scatter, z, top, left, source, turned, cells, output};
}

/** tconv.views.conv_matrix(out_shape, kernel, ...).T for checked arguments: (oH*oW, cH*cW). */
export function conv_matrix_t(scatter) {
  const {kernel, stride, padding, dilation, crop} = scatter, [oH, oW] = crop.out_shape;
  const [cH, cW] = conv_lengths([oH, oW], [kernel.length, kernel[0].length], stride, padding, dilation);
  const CT = zeros(oH * oW, cH * cW);
  for (let i = 0; i < cH; i++) {
    for (let j = 0; j < cW; j++) {
      for (let a = 0; a < kernel.length; a++) {
        for (let b = 0; b < kernel[0].length; b++) {
          const r = i * stride[0] + a * dilation[0] - padding[0];
          const c = j * stride[1] + b * dilation[1] - padding[1];
          if (r >= 0 && r < oH && c >= 0 && c < oW) CT[r * oW + c][i * cW + j] = kernel[a][b];
        }
      }
    }
  }
  return {CT, conv_shape: [cH, cW]};
}

// ================================================================ 1b. The same layer in other frameworks
//
// tconv.frameworks for a square layer (one axis stands for both; groups 1), as much as the
// output-size calculator needs: the window ("cut", cells removed at the beginning and the end
// of the full output) each framework's arguments keep, PyTorch's settings as each framework's
// arguments, and same_layer_calls, which writes them as the same text as
// tconv.frameworks.same_layer_calls (tests/test_browser_players.py compares them).

const fw_span = (k, d) => d * (k - 1) + 1;
const fw_same = (a, b) => a[0] === b[0] && a[1] === b[1];
/** frameworks._same_cut: Keras' "same" and JAX's "SAME", the odd cell cut at the end. */
function same_cut(n, s) {
  const total = n - s, begin = Math.max(Math.floor(total / 2), 0);
  return [begin, total - begin];
}
/** frameworks._valid_cut: Keras' "valid" and JAX's "VALID", all of it (zeros to size·stride). */
const valid_cut = (n, s) => [0, Math.min(n - s, 0)];

/** frameworks.torch_pair for one axis: [padding, output_padding], or null when none gives it. */
export function torch_pair([b, e], s, d) {
  return b < 0 || !(b - e >= 0 && b - e < Math.max(s, d)) ? null : [b, b - e];
}

/** frameworks.keras_cut for one axis (checked settings; output_padding a is null or < s). */
export function keras_cut(k, s, padding, a, d) {
  const n = fw_span(k, d);
  if (a === null) return padding === 'same' ? same_cut(n, s) : valid_cut(n, s);
  if (padding === 'valid') return [0, -a];
  const total = 2 * Math.floor(n / 2) - a, begin = Math.max(Math.floor(total / 2), 0);
  return [begin, total - begin];
}

/** frameworks.jax_cut for "SAME"/"VALID" (an explicit pair (lo, hi) cuts (n-1-lo, n-1-hi)). */
export const jax_cut = (k, s, padding, d) => (padding === 'SAME' ? same_cut : valid_cut)(fw_span(k, d), s);

/** frameworks.to_keras: {padding, output_padding, crop}, or Keras' rule as a ValueError. */
export function to_keras(k, s, d, cut) {
  if (s > 1 && d > 1) {
    throw valueError(tw('Keras\' Conv2DTranspose does not allow strides > 1 with dilation_rate > 1, got stride {stride} and dilation {dilation}',
                        {stride: repr([s, s]), dilation: repr([d, d])}));
  }
  for (const padding of ['valid', 'same']) {
    if (fw_same(keras_cut(k, s, padding, null, d), cut)) return {padding, output_padding: null, crop: null};
  }
  for (const padding of ['valid', 'same']) {
    for (let a = 0; a < s; a++) {
      if (fw_same(keras_cut(k, s, padding, a, d), cut)) return {padding, output_padding: a, crop: null};
    }
  }
  const [b, e] = cut, a = Math.max(-e, 0);  // b >= 0: a PyTorch window starts in the full output
  if (a >= s) {
    throw valueError(tw('Keras cannot add {n} zero cells at the end along {axis}: output_padding must be smaller than strides ({strides})',
                        {n: -e, axis: 'H', strides: s}));
  }
  const made = keras_cut(k, s, 'valid', a, d);
  return {padding: 'valid', output_padding: a, crop: fw_same(made, cut) ? null : [b - made[0], e - made[1]]};
}

/** frameworks.to_jax (and to_flax): "SAME"/"VALID" when exact, else the (lo, hi) pair. */
export function to_jax(k, s, d, cut) {
  for (const padding of ['SAME', 'VALID']) if (fw_same(jax_cut(k, s, padding, d), cut)) return padding;
  const n = fw_span(k, d);
  return [n - 1 - cut[0], n - 1 - cut[1]];
}

/** frameworks.to_onnx: {pads: [begin, end], output_padding}, or onnxruntime's rule. */
export function to_onnx(k, s, d, cut) {
  const pair = torch_pair(cut, s, d);
  if (pair !== null && pair[1] < s) return {pads: [pair[0], pair[0]], output_padding: pair[1]};
  const [b, e] = cut, a = Math.max(-e, 0);  // b >= 0, as for Keras
  if (a >= s) {
    throw valueError(tw('ONNX (onnxruntime) cannot add {n} zero cells at the end along {axis}: output_padding must be smaller than strides ({strides})',
                        {n: a, axis: 'H', strides: s}));
  }
  return {pads: [b, Math.max(e, 0)], output_padding: a};
}

/** frameworks.py_text: a value as Python source; arrays are tuples, {list} lists; n for (n, n). */
export function py_text(v, collapse = true) {
  if (typeof v === 'string') return `"${v}"`;
  if (v && v.list) return `[${v.list.map((x) => py_text(x, false)).join(', ')}]`;
  if (Array.isArray(v)) {
    if (collapse && v.length === 2 && v[0] === v[1] && typeof v[0] === 'number') return String(v[0]);
    return `(${v.map((x) => py_text(x, false)).join(', ')})`;
  }
  return String(v);
}
const fw_args = (first, named) => [...first, ...Object.entries(named).filter(([, v]) => v !== null)
  .map(([k, v]) => `${k}=${v}`)].join(', ');
const sq = (v) => [v, v];

export const FRAMEWORKS = ['PyTorch', 'Keras', 'JAX', 'Flax', 'ONNX'];
/** frameworks.CALL_NOTES: each call's weight and input, from PyTorch's weight and NCHW x. */
const FRAMEWORK_NOTES = () => ({
  PyTorch: tw('weight (C_in, C_out, kH, kW); x in NCHW'),
  Keras: tw('kernel = weight.transpose(2, 3, 1, 0); x in NHWC'),
  JAX: tw('w = weight[:, :, ::-1, ::-1], flipped; or w = weight with "OIHW" and transpose_kernel=True'),
  Flax: tw('kernel = weight[:, :, ::-1, ::-1].transpose(2, 3, 0, 1), flipped; x in NHWC'),
  ONNX: tw('W = weight as it is; x in NCHW'),
});

const FRAMEWORK_TEXTS = {
  PyTorch(k, s, p, a, d) {
    return `nn.ConvTranspose2d(${fw_args(['C_in', 'C_out', String(k)], {stride: s !== 1 ? s : null,
      padding: p !== 0 ? p : null, output_padding: a !== 0 ? a : null, dilation: d !== 1 ? d : null})})`;
  },
  Keras(k, s, p, a, d, cut) {
    const call = to_keras(k, s, d, cut);
    let op = call.output_padding;
    if (op !== null && fw_same(keras_cut(k, s, call.padding, null, d), keras_cut(k, s, call.padding, op, d))) op = null;
    const text = `layers.Conv2DTranspose(${fw_args(['C_out', String(k)], {strides: s !== 1 ? s : null,
      padding: py_text(call.padding), output_padding: op, dilation_rate: d !== 1 ? d : null})})`;
    return call.crop === null ? text : `${text}\nlayers.Cropping2D(${py_text([call.crop, call.crop], false)})`;
  },
  JAX(k, s, p, a, d, cut) {
    const pad = to_jax(k, s, d, cut);
    return `lax.conv_transpose(${fw_args(['x', 'w'], {strides: py_text(sq(s), false),
      padding: py_text(typeof pad === 'string' ? pad : sq(pad), false),
      rhs_dilation: d !== 1 ? py_text(sq(d), false) : null,
      dimension_numbers: py_text(['NCHW', 'IOHW', 'NCHW'])})})`;
  },
  Flax(k, s, p, a, d, cut) {
    const pad = to_jax(k, s, d, cut);
    return `nn.ConvTranspose(${fw_args(['C_out', py_text(sq(k), false)], {strides: s !== 1 ? py_text(sq(s), false) : null,
      padding: py_text(typeof pad === 'string' ? pad : sq(pad), false),
      kernel_dilation: d !== 1 ? py_text(sq(d), false) : null})})`;
  },
  ONNX(k, s, p, a, d, cut) {
    const call = to_onnx(k, s, d, cut), list = (v) => py_text({list: v});
    return `ConvTranspose(${fw_args([], {kernel_shape: list(sq(k)), strides: list(sq(s)),
      pads: list([call.pads[0], call.pads[0], call.pads[1], call.pads[1]]),
      output_padding: call.output_padding ? list(sq(call.output_padding)) : null,
      dilations: d !== 1 ? list(sq(d)) : null})})`;
  },
};

/**
 * frameworks.same_layer_calls for square settings: {framework: {code, note}}, the call as
 * text, or code '' and the framework's rule; from_torch's errors for settings PyTorch refuses.
 */
export function same_layer_calls(kernel_size, stride = 1, padding = 0, output_padding = 0, dilation = 1) {
  const s = as_int(stride, 'stride', 1), d = as_int(dilation, 'dilation', 1);
  const a = as_int(output_padding, 'output_padding', 0);
  if (a >= Math.max(s, d)) {
    throw valueError(`output_padding (${a}) must be smaller than stride (${s}) or dilation (${d})`);
  }
  const p = as_int(padding, 'padding', 0), k = as_int(kernel_size, 'kernel_size', 1);
  const cut = [p, p - a], notes = FRAMEWORK_NOTES(), out = {};
  for (const name of FRAMEWORKS) {
    try {
      out[name] = {code: FRAMEWORK_TEXTS[name](k, s, p, a, d, cut), note: notes[name]};
    } catch (e) {
      if (!(e instanceof TconvError)) throw e;
      out[name] = {code: '', note: e.message};
    }
  }
  return out;
}

// ================================================================ 2. Numbers as text

/** The exact decimal digits of |v| and where the point goes (v finite, |v| < 1e21). */
function exact_digits(v) {
  const [whole, frac] = Math.abs(v).toFixed(100).split('.');
  return {digits: (whole + frac).replace(/0+$/, '') || '0', point: whole.length};
}

/** Round a digit string to its first ``keep`` digits, half to even (as Python's format). */
function round_digits(digits, keep) {
  if (keep < 0) return {digits: '', carry: false};
  const head = digits.slice(0, keep).padEnd(keep, '0'), rest = digits.slice(keep);
  const up = rest[0] > '5' || (rest[0] === '5' && (/[1-9]/.test(rest.slice(1)) ||
             (keep > 0 && +head[keep - 1] % 2 === 1)));
  if (!up) return {digits: head, carry: false};
  const out = head.split('');
  let k = keep - 1;
  while (k >= 0 && out[k] === '9') out[k--] = '0';
  if (k < 0) return {digits: '1' + out.join(''), carry: true};
  out[k] = String(+out[k] + 1);
  return {digits: out.join(''), carry: false};
}

/** Python's format(v, spec) for the specs a player takes: '.Nf', '.Ne', '.Ng' (and '' = repr). */
export function py_format(v, spec) {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : (v > 0 ? 'inf' : '-inf');
  const m = /^\.(\d+)([fge])$/.exec(spec);
  if (!m) return Number.isInteger(v) ? String(v) : float_repr(v);
  const prec = +m[1], kind = m[2];
  const sign = v < 0 || Object.is(v, -0) ? '-' : '';
  const {digits, point} = exact_digits(v);
  const lead = digits.search(/[1-9]/);
  const sci = (p) => {  // p significant digits: mantissa digits and exponent
    if (lead < 0) return {mant: '0'.repeat(p), exp: 0};
    const r = round_digits(digits.slice(lead), p);
    return {mant: r.digits.slice(0, p), exp: point - lead - 1 + (r.carry ? 1 : 0)};
  };
  const exp_text = (e) => `e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  if (kind === 'f') {
    const r = round_digits(digits, point + prec);
    const all = r.digits.padStart(point + prec + (r.carry ? 1 : 0), '0');
    const cut = all.length - prec, whole = all.slice(0, cut).replace(/^0+(?=\d)/, '') || '0';
    return sign + whole + (prec ? '.' + all.slice(cut) : '');
  }
  if (kind === 'e') {
    const {mant, exp} = sci(prec + 1);
    return sign + mant[0] + (prec ? '.' + mant.slice(1) : '') + exp_text(exp);
  }
  const p = prec || 1, {mant, exp} = sci(p);  // 'g': fixed or scientific, no trailing zeros
  if (exp >= -4 && exp < p) {
    const text = exp >= 0 ? mant.slice(0, exp + 1).padEnd(exp + 1, '0') + '.' + mant.slice(exp + 1)
                          : '0.' + '0'.repeat(-exp - 1) + mant;
    return sign + text.replace(/\.?0+$/, '').replace(/\.$/, '') || '0';
  }
  const frac = mant.slice(1).replace(/0+$/, '');
  return sign + mant[0] + (frac ? '.' + frac : '') + exp_text(exp);
}

/** tconv.show.widgets.format_value: integers plainly, floats with 3 significant digits or fmt. */
export function format_value(v, fmt = null, is_float = false) {
  if (fmt) return py_format(v, fmt);
  return is_float ? py_format(v, '.3g') : String(v);
}

// ================================================================ 3. Budgets

/** What one frame of a player may draw: 150 KB of HTML, at ~40 bytes a grid cell. */
export const BUDGET_BYTES = 150000, CELL_BYTES = 40;

/** Raise the player's budget error when one frame would draw more than its budget. */
export function check_budget(cells, advice) {
  if (cells * CELL_BYTES > BUDGET_BYTES) {
    throw valueError(`this player would draw ${cells} grid cells a frame (about ` +
      `${Math.round(cells * CELL_BYTES / 1000)} KB of HTML), more than its budget of ` +
      `${BUDGET_BYTES / 1000} KB (${BUDGET_BYTES / CELL_BYTES} cells): ${advice}`);
  }
}

// ================================================================ 4. Drawing frames

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/**
 * The module's own words in the reader's language: ``data.words`` maps an English message to
 * its translation (tconv.show.player.player_words, from tconv's catalog); ``{name}`` filled in.
 * Every message is a whole phrase with ``{names}`` (a translation may reorder them), listed in
 * tconv.show.player.MODULE_WORDS; ``tn`` picks the English singular or plural of a count.
 */
let WORDS = {};
const tw = (message, values = {}) =>
  (WORDS[message] || message).replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m));
const tn = (one, many, n, values = {}) => tw(n === 1 ? one : many, {...values, n});
/** A message as HTML: its text escaped, then ``values`` (HTML already) put in. */
const tw_html = (message, values = {}) =>
  esc(tw(message)).replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m));
/** Sentences as one text: a space between them, none after a full-width stop (Chinese). */
const sentences = (parts) => parts.join(' ').replace(/([\u3000-\u303f\uff00-\uffef]) (?=\S)/g, '$1');
/** Numbers as a list: '0, 1, 2' in English. */
const number_list = (items) => items.reduce((list, item) => tw('{list}, {item}', {list, item}));
/** English counts in the engine's messages, which mirror tconv's own (English) errors. */
const count_text = (n, noun, plural = null) => `${n} ${n === 1 ? noun : plural || noun + 's'}`;
/** How many products each output cell received: '1 product', '1 to 4 products'. */
const count_range = (lo, hi) => lo === hi ? tn('{n} product', '{n} products', lo)
  : tw('{lo} to {hi} products', {lo, hi});
const setting = (pair) => pair[0] === pair[1] ? String(pair[0]) : `(${pair[0]}, ${pair[1]})`;
const slice_text = (s) => `${s.start}:${s.stop}` + (s.step && s.step !== 1 ? `:${s.step}` : '');
const tag = (k) => k < 26 ? String.fromCharCode(65 + k) : String(k + 1);
const same = (a, b) => a[0] === b[0] && a[1] === b[1];

/** The part of canvas slice ``s`` inside [lo, hi), shifted by -lo; null if empty. */
function kept_slice(s, lo, hi) {
  const kept = indices(s).filter((r) => lo <= r && r < hi).map((r) => r - lo);
  return kept.length ? slice(kept[0], kept[kept.length - 1] + 1, s.step) : null;
}

/**
 * A 2-D array as a compact <table class="g"> (tconv.show.widgets.grid_html). ``text(v)``
 * writes a value (null: blank); ``classes(r, c)`` a cell's classes; ``counts`` a small count
 * in each cell's corner (and its shading); ``tags(r, c)`` a letter in the other corner;
 * ``headers`` row and column numbers.
 */
export function grid_html(values, {text = String, classes = null, counts = null, headers = false, tags = null} = {}) {
  const W = values[0].length;
  let html = '<table class="g">';
  if (headers) html += '<tr><td class="c"></td>' + values[0].map((_, c) => `<th>${c}</th>`).join('') + '</tr>';
  values.forEach((row, r) => {
    html += '<tr>' + (headers ? `<th>${r}</th>` : '');
    for (let c = 0; c < W; c++) {
      let cls = classes ? classes(r, c) : '', inner = row[c] === null ? '' : esc(text(row[c]));
      if (counts && counts[r][c] > 0) {
        cls = `${cls} n${Math.min(counts[r][c], 4)}`.trim();
        inner += `<i>${counts[r][c]}</i>`;
      }
      const t = tags && tags(r, c);
      if (t) inner += `<b>${t}</b>`;
      html += (cls ? `<td class="${cls}">` : '<td>') + inner + '</td>';
    }
    html += '</tr>';
  });
  return html + '</table>';
}
const panel = (title, body) => `<div class="pn"><div class="pt">${esc(title)}</div>${body}</div>`;
const blank = (h, w) => Array.from({length: h}, () => Array(w).fill(null));
const shape = (a) => [a.length, a[0].length];

/** Text makers for a state: x's, the kernel's and the results' numbers. */
function formatters(st) {
  const f = st.fmt || null, any = st.x_float || st.kernel_float;
  return {x: (v) => format_value(v, f, st.x_float), k: (v) => format_value(v, f, st.kernel_float),
          y: (v) => format_value(v, f, any)};
}
const sum_text = (products, fmt) => products.map((v) => { const t = fmt(v); return t.startsWith('-') ? `(${t})` : t; }).join(' + ');

// ---- the scatter (Stepper) ----

const trivial_crop = (p) => same(p.padding, [0, 0]) && same(p.output_padding, [0, 0]);

/** A setting as a title names it: 'stride 2', 'padding (1, 0)'. */
const SETTING_TEXT = {
  stride: (value) => tw('stride {value}', {value}),
  padding: (value) => tw('padding {value}', {value}),
  output_padding: (value) => tw('output_padding {value}', {value}),
  dilation: (value) => tw('dilation {value}', {value}),
};

function scatter_title(p, head = tw('Transposed convolution, step by step')) {
  const [H, W] = shape(p.x), [kH, kW] = shape(p.kernel);
  const parts = [tw('{h}×{w} input', {h: H, w: W}), tw('{h}×{w} kernel', {h: kH, w: kW})];
  for (const name of SETTINGS) {
    const def = name === 'stride' || name === 'dilation' ? [1, 1] : [0, 0];
    if (!same(p[name], def) || name === 'stride') parts.push(SETTING_TEXT[name](setting(p[name])));
  }
  // the separator of a title's parts: ', ' in English
  return tw('{head}: {details}', {head, details: parts.join(tw(', '))});
}

function scatter_note(p) {
  const parts = [tw('Outlined cells: where the current step adds. Small corner number: how many ' +
                    'placements have added to that cell so far (darker shading = more).')];
  if (!same(p.padding, [0, 0])) {
    parts.push(tw('Hatched cells: cropped away by padding {padding}; the output is the rest.',
                  {padding: setting(p.padding)}));
  }
  if (!same(p.output_padding, [0, 0])) {
    parts.push(tw('Dashed cells: the rows/columns that output_padding {output_padding} keeps in the output.',
                  {output_padding: setting(p.output_padding)}));
  }
  return esc(sentences(parts));
}

function scatter_caption(p, i, t) {
  const n = p.steps.length, [H, W] = shape(p.x), [kH, kW] = shape(p.kernel), crop = p.crop;
  const [fH, fW] = crop.full_shape, [oH, oW] = crop.out_shape;
  if (i === 0) {
    const values = {n, h: H, w: W, kh: kH, kw: kW, stride: setting(p.stride), fh: fH, fw: fW};
    const parts = [n > 1
      ? tw('Start: each of the {n} elements of the {h}×{w} input x will add a scaled copy of the ' +
           '{kh}×{kw} kernel, stride {stride} apart, into a {fh}×{fw} canvas of zeros.', values)
      : tw('Start: the single element of the {h}×{w} input x will add a scaled copy of the ' +
           '{kh}×{kw} kernel, stride {stride} apart, into a {fh}×{fw} canvas of zeros.', values)];
    if (!same(p.padding, [0, 0])) {
      parts.push(tw('Then padding {padding} crops {rows} from the top and the bottom and {cols} ' +
                    'from the left and the right (hatched).', {padding: setting(p.padding),
        rows: tn('{n} row', '{n} rows', p.padding[0]), cols: tn('{n} column', '{n} columns', p.padding[1])}));
    }
    if (!same(p.output_padding, [0, 0])) {
      parts.push(tw('output_padding {output_padding} keeps {rows} at the bottom and {cols} at the ' +
                    'right (dashed).', {output_padding: setting(p.output_padding),
        rows: tn('{n} more row', '{n} more rows', p.output_padding[0]),
        cols: tn('{n} more column', '{n} more columns', p.output_padding[1])}));
    }
    parts.push(tw('The output will be {h}×{w}.', {h: oH, w: oW}));
    return sentences(parts);
  }
  if (i <= n) {
    const q = p.steps[i - 1], trivial = trivial_crop(p);
    const values = {step: i, steps: n, i: q.index[0], j: q.index[1], value: t.x(q.value),
                    where: `${trivial ? 'out' : 'full'}[${slice_text(q.rows)}, ${slice_text(q.cols)}]`};
    if (trivial) return tw('Step {step} of {steps}: x[{i},{j}] = {value} times the kernel, added to {where}.', values);
    const rows = kept_slice(q.rows, crop.rows.start, crop.rows.stop);
    const cols = kept_slice(q.cols, crop.cols.start, crop.cols.stop);
    if (rows === null || cols === null) {
      return tw('Step {step} of {steps}: x[{i},{j}] = {value} times the kernel, added to {where}, ' +
                'all of it cropped away.', values);
    }
    return tw('Step {step} of {steps}: x[{i},{j}] = {value} times the kernel, added to {where}, ' +
              'which is {kept}.', {...values, kept: `out[${slice_text(rows)}, ${slice_text(cols)}]`});
  }
  const counts = p.overlap.flat(), lo = Math.min(...counts), hi = Math.max(...counts);
  const values = {n, h: oH, w: oW, products: count_range(lo, hi)};
  return n > 1
    ? tw('Result: the {n} placements sum to the {h}×{w} output; each output cell received {products}.', values)
    : tw('Result: the single placement makes the {h}×{w} output; each output cell received {products}.', values);
}

function scatter_frame(p, i, t) {
  const n = p.steps.length, crop = p.crop, q = i >= 1 && i <= n ? p.steps[i - 1] : null;
  const [kH, kW] = shape(p.kernel);
  const panels = [
    panel(tw('input x'), grid_html(p.x, {text: t.x, headers: true,
      classes: q ? (r, c) => (same([r, c], q.index) ? 'h' : '') : null})),
    panel(tw('kernel'), grid_html(p.kernel, {text: t.k})),
    panel(q ? tw('x[{i},{j}] × kernel', {i: q.index[0], j: q.index[1]}) : tw('x[u,v] × kernel'),
          q ? grid_html(q.contribution, {text: t.y}) : grid_html(blank(kH, kW))),
  ];
  let canvas, counts = null;
  const written = new Set(q ? footprint(q).map(([r, c]) => r + ',' + c) : []);
  if (q) [canvas, counts] = scatter_sums(p, i);
  else if (i === 0) canvas = zeros(...crop.canvas_shape);
  else [canvas, counts] = [p.canvas, p.canvas_count];
  const trivial = trivial_crop(p), er = crop.extra_rows, ec = crop.extra_cols;
  const extra = (r, c) => (er.start <= r && r < er.stop) || (ec.start <= c && c < ec.stop);
  const classes = (r, c) => {
    let cls = written.has(r + ',' + c) ? 'w' : '';
    if (!trivial) cls += !crop.kept(r, c) ? ' k' : extra(r, c) ? ' e' : '';
    return cls.trim();
  };
  const name = trivial ? tw('out') : tw('full (before cropping)');
  panels.push(panel(i <= n ? tw('{name}, running sum', {name}) : name,
                    grid_html(canvas, {text: t.y, classes, counts, headers: true})));
  if (i === n + 1 && !trivial) {
    panels.push(panel(tw('out (cropped)'), grid_html(p.output, {text: t.y, headers: true,
      classes: (r, c) => (extra(r + crop.rows.start, c + crop.cols.start) ? 'e' : '')})));
  }
  return `<div class="tcv">${panels.join('')}</div>`;
}

const scatter_view = {
  compute: (sc) => placements_of(sc),
  cells: (sc) => { const [cH, cW] = sc.crop.canvas_shape, [oH, oW] = sc.crop.out_shape;
    return sc.x.length * sc.x[0].length + 2 * sc.kernel.length * sc.kernel[0].length + cH * cW + oH * oW; },
  count: (p) => p.steps.length + 2,
  title: (p) => scatter_title(p), note: scatter_note, caption: scatter_caption, frame: scatter_frame,
  limit: (sc, st) => {
    // the library's message (tconv.show.widgets.EditableView._limit), in English as it is
    const n = sc.x.length * sc.x[0].length;
    if (n > st.max_steps) {
      throw valueError(`x has ${count_text(n, 'element')}, so ${count_text(n, 'placement')}: ` +
                       `more than a stepper shows (max_steps=${st.max_steps}); use a smaller input`);
    }
  },
};

// ---- the gather view: one output cell per step ----

function gather_frame(g, i, t) {
  const {index: [r, c], terms} = g.cells[i];
  const tagger = (key) => { const m = new Map(terms.map((u, k) => [u[key].join(','), tag(k)]));
    return (a, b) => m.get(a + ',' + b) || ''; };
  const in_tags = tagger('input_index'), k_tags = tagger('kernel_index');
  const out = blank(...g.crop.out_shape);
  g.output.flat().slice(0, i + 1).forEach((v, k) => { out[Math.floor(k / out[0].length)][k % out[0].length] = v; });
  const lines = terms.map((u, k) => `<li><b>${tag(k)}</b> x[${u.input_index}]·k[${u.kernel_index}] = ` +
    `${esc(t.x(u.value))}·${esc(t.k(u.weight))} = ${esc(t.y(u.product))}</li>`);
  lines.push(`<li>out[${r},${c}] = ${terms.length ? esc(sum_text(terms.map((u) => u.product), t.y)) + ' = ' : ''}` +
             `${esc(t.y(g.output[r][c]))}</li>`);
  return '<div class="tcv">' + [
    panel(tw('input x'), grid_html(g.x, {text: t.x, headers: true, tags: in_tags,
      classes: (a, b) => (in_tags(a, b) ? 'h' : '')})),
    panel(tw('kernel'), grid_html(g.kernel, {text: t.k, headers: true, tags: k_tags,
      classes: (a, b) => (k_tags(a, b) ? 'h' : '')})),
    panel(tw('out, cell ({r},{c})', {r, c}), grid_html(out, {text: t.y, headers: true,
      classes: (a, b) => (a === r && b === c ? 'w' : '')})),
    panel(tn('{n} product', '{n} products', terms.length), `<ul class="terms">${lines.join('')}</ul>`),
  ].join('') + '</div>';
}

function gather_caption(g, i, t) {
  const {index: [r, c], terms} = g.cells[i];
  if (!terms.length) return tw('out[{r},{c}] gathers no product: no kernel copy reaches it, so it is 0.', {r, c});
  const names = terms.map((u) => `x[${u.input_index}]·kernel[${u.kernel_index}]`).join(' + ');
  return tw('out[{r},{c}] gathers {products}: {names} = {sum} = {value}.', {r, c, names,
    products: tn('{n} product', '{n} products', terms.length),
    sum: sum_text(terms.map((u) => u.product), t.y), value: t.y(g.output[r][c])});
}

const cells_view = (title, note) => ({
  count: (g) => g.cells.length, title, note,
});

const gather_view = {
  ...cells_view((g) => scatter_title(g, tw('The gather view, one output cell per step')),
                () => esc(tw('Highlighted: the input cells and the kernel cells whose products sum ' +
                             'into the outlined output cell; the same letter marks the two cells of ' +
                             'each product.'))),
  compute: (sc) => {
    const p = placements_of(sc), [oH, oW] = sc.crop.out_shape, cells = [];
    for (let r = 0; r < oH; r++) for (let c = 0; c < oW; c++) cells.push({index: [r, c], terms: gather_of(sc, [r, c])});
    return {...p, cells};
  },
  cells: (sc) => { const [oH, oW] = sc.crop.out_shape;
    return sc.x.length * sc.x[0].length + sc.kernel.length * sc.kernel[0].length + 2 * oH * oW; },
  caption: gather_caption, frame: gather_frame,
};

// ---- the rows of C.T (MatrixRowStepper) ----

function rows_frame(m, i, t) {
  const [oH, oW] = m.crop.out_shape, r = Math.floor(i / oW), c = i % oW, terms = m.cells[i].terms;
  const W = m.conv_shape[1], inputs = new Set(terms.map((u) => u.input_index.join(',')));
  const weights = new Set(terms.map((u) => u.kernel_index.join(',')));
  const columns = new Set(terms.map((u) => u.input_index[0] * W + u.input_index[1]));
  const out = blank(oH, oW);
  m.output.flat().slice(0, i + 1).forEach((v, k) => { out[Math.floor(k / oW)][k % oW] = t.y(v); });
  return '<div class="tcv">' + [
    panel(tw('input x'), grid_html(m.x_padded, {text: t.x, headers: true,
      classes: (a, b) => (inputs.has(a + ',' + b) ? 'h' : '')})),
    panel(tw('kernel'), grid_html(m.kernel, {text: t.k, classes: (a, b) => (weights.has(a + ',' + b) ? 'h' : '')})),
    panel(tw('Cᵀ (row {i} shaded)', {i}), grid_html(m.CT, {text: t.k, headers: true,
      classes: (a, b) => (a === i ? (columns.has(b) ? 'h' : 'r') : '')})),
    panel('out = Cᵀ x', grid_html(out, {headers: true, classes: (a, b) => (a === r && b === c ? 'w' : '')})),
  ].join('') + '</div>';
}

function rows_caption(m, i, t) {
  const oW = m.crop.out_shape[1], r = Math.floor(i / oW), c = i % oW, terms = m.cells[i].terms;
  const value = t.y(m.output[r][c]);
  if (!terms.length) {
    return tw('out[{r},{c}] = row {i} of Cᵀ · x = 0: no kernel copy covers this cell, so the whole row is 0.', {r, c, i});
  }
  const W = m.conv_shape[1];
  const products = terms.map((u) => `${t.k(u.weight)}·x[${u.input_index[0]},${u.input_index[1]}]`).join(' + ');
  const columns = terms.map((u) => String(u.input_index[0] * W + u.input_index[1]));
  const where = tn('column {list}', 'columns {list}', columns.length, {list: number_list(columns)});
  return tw('out[{r},{c}] = row {i} of Cᵀ · x = {products} = {value}. Row {i} holds kernel values in ' +
            '{where}, the inputs whose kernel copies cover out[{r},{c}], and 0 elsewhere.',
            {r, c, i, products, value, where});
}

const rows_view = {
  ...cells_view(() => tw('Each output cell is one row of Cᵀ times x'),
    (m) => esc(tw('Cᵀ has one row per output cell ({rows}) and one column per input cell ({cols}, ' +
      'row-major). Highlighted: the input cells whose kernel copies cover the current output cell ' +
      '(outlined in out), the kernel cells they use, and their entries in the current row of Cᵀ; ' +
      'the rest of that row (shaded) is 0.', {rows: m.CT.length, cols: m.CT[0].length}))),
  compute: (sc) => {
    const g = gather_view.compute(sc), {CT, conv_shape} = conv_matrix_t(sc);
    const x_padded = zeros(...conv_shape);
    sc.x.forEach((row, a) => row.forEach((v, b) => { x_padded[a][b] = v; }));
    return {...g, CT, conv_shape, x_padded};
  },
  cells: (sc) => {
    const [oH, oW] = sc.crop.out_shape, n = oH * oW, [kH, kW] = shape(sc.kernel);
    const [cH, cW] = conv_lengths([oH, oW], [kH, kW], sc.stride, sc.padding, sc.dilation);
    return cH * cW + kH * kW + n * cH * cW + n;
  },
  limit: (sc, st) => {
    // the library's message (tconv.show.widgets.EditableView._limit), in English as it is
    const [oH, oW] = sc.crop.out_shape, n = oH * oW;
    if (n > st.max_cells) {
      throw valueError(`the output has ${n} cells, more than this view shows ` +
                       `(max_cells=${st.max_cells}); use a smaller input or kernel`);
    }
  },
  caption: rows_caption, frame: rows_frame,
};

// ---- the direct convolution: the turned kernel over the zero-inserted input ----

function direct_note(d) {
  const [s] = d.stride, [top] = [d.top], op = d.output_padding[0];
  const square = same(d.stride, [s, s]) && d.top === d.left && same(d.output_padding, [op, op]);
  let pad;
  if (square) {
    pad = top >= 0 ? tn('{n} zero around it', '{n} zeros around it', top)
      : tn('{n} cell cropped from each side', '{n} cells cropped from each side', -top);
    if (op) pad = tw('{pad} (and {n} more at the bottom and the right, for output_padding)', {pad, n: op});
  } else {
    pad = tw('d(k − 1) − p zeros around it (a negative amount crops; output_padding adds at the bottom and right)');
  }
  const between = square ? tn('{n} zero', '{n} zeros', s - 1) : tw('stride − 1 zeros');
  return esc(tw('z: the input with {between} between neighbours and {pad}; grey numbers are zeros put ' +
    'in. The kernel is turned by 180° and slides over z one cell at a time: outlined, the cells it ' +
    'covers for the current output cell; highlighted, the input values it meets there.', {between, pad}));
}

function direct_caption(d, i, t) {
  const {index: [r, c], rows, cols, terms} = d.cells[i], [kH, kW] = shape(d.kernel);
  const where = tw('out[{r},{c}]: the turned kernel over z[{rows}, {cols}]',
                   {r, c, rows: slice_text(rows), cols: slice_text(cols)});
  if (!terms.length) return tw('{where} meets no input value, only zeros, so it is 0.', {where});
  const products = terms.map((u) => `${t.k(u.weight)}·${t.x(u.value)}`).join(' + ');
  return tw('{where}: {n} of its {cells} cells meet input values, {products} = {value}.',
            {where, n: terms.length, cells: kH * kW, products, value: t.y(d.output[r][c])});
}

function direct_frame(d, i, t) {
  const {index: [r, c], rows, cols, terms} = d.cells[i], [oH, oW] = d.crop.out_shape;
  const inside = (R, C) => indices(rows).includes(R) && indices(cols).includes(C);
  const met = new Set(terms.map((u) => u.z_index.join(',')));
  const out = blank(oH, oW);
  d.output.flat().slice(0, i + 1).forEach((v, k) => { out[Math.floor(k / oW)][k % oW] = v; });
  return '<div class="tcv">' + [
    panel(tw('z: x with zeros put in, padded'), grid_html(d.z, {headers: true,
      text: (v) => t.x(v), classes: (R, C) => [inside(R, C) ? (met.has(R + ',' + C) ? 'h' : 'w') : '',
        d.source(R, C) ? '' : 'z'].join(' ').trim()})),
    panel(tw('kernel turned 180°'), grid_html(d.turned, {text: t.k})),
    panel(tw('out, cell ({r},{c})', {r, c}), grid_html(out, {text: t.y, headers: true,
      classes: (a, b) => (a === r && b === c ? 'w' : '')})),
  ].join('') + '</div>';
}

const direct_view = {
  ...cells_view((d) => scatter_title(d, tw('Direct convolution, one output cell per step')),
                direct_note),
  compute: (sc) => direct_of(sc),
  cells: (sc) => {
    const [oH, oW] = sc.crop.out_shape, [kH, kW] = shape(sc.kernel);
    const z = (oH + sc.dilation[0] * (kH - 1)) * (oW + sc.dilation[1] * (kW - 1));
    return z + kH * kW + oH * oW;
  },
  caption: direct_caption, frame: direct_frame,
};

export const VIEWS = {scatter: scatter_view, gather: gather_view, rows: rows_view, direct: direct_view};

/** Everything one view shows for a state: its frames' data, or a TconvError. */
export function compute_view(name, st) {
  const view = VIEWS[name];
  const sc = check_scatter(st.x, st.kernel, st.stride, st.padding, st.output_padding, st.dilation);
  if (view.limit) view.limit(sc, st);
  check_budget(view.cells(sc), 'use a smaller input or kernel, or a smaller stride, padding or dilation');
  return view.compute(sc);
}

// ================================================================ 5. Reading what the reader types

export const GRIDS = ['x', 'kernel'], SETTINGS = ['stride', 'padding', 'output_padding', 'dilation'];
const MINIMUM = {stride: 1, padding: 0, output_padding: 0, dilation: 1};

/** '1 2; 3 4' (or '1,2;3,4') -> [[1, 2], [3, 4]] and whether a value was written as a float. */
export function parse_grid(text, name) {
  const rows = String(text).split(/[;\n]/).map((r) => r.trim());
  while (rows.length && rows[rows.length - 1] === '') rows.pop();
  let is_float = false;
  const values = rows.map((row) => (row === '' ? [] : row.split(/[\s,]+/).map((tok) => {
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(tok)) {
      throw typeError(`${name} must be a numeric array (integers or floats): ${repr(tok)} is not a number`);
    }
    if (!/^[+-]?\d+$/.test(tok)) is_float = true;
    return Number(tok);
  })));
  return {values, is_float};
}

/** A grid as the text a reader edits: '1 2; 3 4' (floats keep a point: '2.0'). */
export function grid_text(values, is_float, sep = ' ', row_sep = '; ') {
  return values.map((row) => row.map((v) => (is_float ? float_repr(v) : String(v))).join(sep)).join(row_sep);
}

/** A setting field's text as Python would see it: an int, a float, or the text itself. */
export function parse_number(text) {
  const s = String(text).trim();
  if (/^[+-]?\d+$/.test(s)) return Number(s);
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return new PyFloat(Number(s));
  return s;
}

/** The editor's own bounds, checked after the library's rules. */
function check_bounds(st, bounds) {
  for (const name of GRIDS) {
    const [h, w] = shape(st[name]);
    if (h > bounds.size || w > bounds.size) {
      throw valueError(tw('{name} is {h}×{w}: this player edits grids of up to {size}×{size}',
                          {name, h, w, size: bounds.size}));
    }
    const big = st[name].flat().find((v) => Math.abs(v) > bounds.value);
    if (big !== undefined) {
      throw valueError(tw('{name} holds {value}: this player takes values between -{most} and {most}',
                          {name, value: big, most: bounds.value}));
    }
  }
  for (const name of SETTINGS) {
    const big = st[name].find((v) => v > bounds[name]);
    if (big !== undefined) {
      throw valueError(tw('{name} {value} is more than this player shows (at most {most})',
                          {name, value: big, most: bounds[name]}));
    }
  }
}

// ================================================================ 6. The player shell

let SEQ = 0;
function unique_id(base) {
  let id = base, k = 1;
  while (document.getElementById(id)) id = `${base}-${++k}`;
  return id;
}
const h = (tag, attrs = {}, html = '') => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) e.setAttribute(k, v);
  if (html) e.innerHTML = html;
  return e;
};
const BUTTONS = () => [['first', tw('First frame'), '« ' + tw('First')], ['prev', tw('Previous frame'), '‹ ' + tw('Prev')],
                       ['play', tw('Play'), tw('Play')], ['next', tw('Next frame'), tw('Next') + ' ›'],
                       ['last', tw('Last frame'), tw('Last') + ' »']];

/**
 * A stepping player: a .tconv-player root with title, note, frame, caption and controls
 * (first/prev/play/next/last, a slider, "i / n"), driven by buttons and the keyboard
 * (ArrowLeft/ArrowRight/Home/End; Space or Enter on the focused player plays). ``show``
 * re-renders a frame from ``source.frame(i)``/``source.caption(i)``.
 */
function stepper_root(id, {title, note, interval}) {
  const root = h('div', {class: 'tconv-player tconv-seq', id, role: 'group', 'aria-label': title,
                         'data-frame': 0, 'data-frames': 1, 'data-interval': interval || 900, tabindex: 0});
  const head = h('p', {class: 'tconv-title'}), legend = h('p', {class: 'tconv-note'});
  head.textContent = title;
  legend.innerHTML = note || '';
  legend.hidden = !note;
  const frames = h('div', {class: 'tconv-frames'}), frame = h('div', {class: 'tconv-frame'});
  frames.append(frame);
  const caption = h('p', {class: 'tconv-caption', 'aria-live': 'polite'});
  const controls = h('div', {class: 'tconv-controls'});
  for (const [action, label, text] of BUTTONS()) {
    const b = h('button', {type: 'button', 'data-action': action, 'aria-label': label,
                           'aria-pressed': action === 'play' ? 'false' : null});
    b.textContent = text;
    controls.append(b);
  }
  const slider = h('input', {type: 'range', 'data-action': 'seek', min: 0, max: 0, value: 0, step: 1,
                             'aria-label': tw('Frame (1 to {n})', {n: 1})});
  const counter = h('span', {class: 'tconv-count'});
  controls.append(slider, counter);
  const paper = h('div', {class: 'tconv-paper'});  // filled only while the page is printed
  root.append(head, legend, frames, caption, paper, controls);
  const player = {root, head, legend, frame, caption, slider, counter, timer: null, source: null, n: 1};
  root.tconvPrint = () => paper_frames(paper, player.n, player.source);
  root.tconvUnprint = () => paper.replaceChildren();
  player.show = (i) => {
    i = Math.max(0, Math.min(player.n - 1, i | 0));
    frame.innerHTML = player.source.frame(i);
    caption.textContent = player.source.caption(i);
    frame.setAttribute('data-caption', caption.textContent);
    root.setAttribute('data-frame', i);
    slider.value = i;
    counter.textContent = `${i + 1} / ${player.n}`;
    return i;
  };
  player.load = (source, {title: t, note: nt} = {}) => {
    player.stop();
    player.source = source;
    player.n = source.count;
    root.setAttribute('data-frames', player.n);
    slider.max = player.n - 1;
    slider.setAttribute('aria-label', tw('Frame (1 to {n})', {n: player.n}));
    if (t !== undefined) { head.textContent = t; root.setAttribute('aria-label', t); }
    if (nt !== undefined) { legend.innerHTML = nt; legend.hidden = !nt; }
    player.show(0);
  };
  const play_button = controls.querySelector('[data-action=play]');
  player.stop = () => {
    if (player.timer) { clearInterval(player.timer); player.timer = null; }
    play_button.textContent = tw('Play');
    play_button.setAttribute('aria-label', tw('Play'));
    play_button.setAttribute('aria-pressed', 'false');
  };
  player.play = () => {
    if (+root.getAttribute('data-frame') >= player.n - 1) player.show(0);
    play_button.textContent = tw('Pause');
    play_button.setAttribute('aria-label', tw('Pause'));
    play_button.setAttribute('aria-pressed', 'true');
    player.timer = setInterval(() => {
      const i = +root.getAttribute('data-frame');
      if (i >= player.n - 1) player.stop(); else player.show(i + 1);
    }, +root.getAttribute('data-interval') || 900);
  };
  player.act = (a) => {
    const i = +root.getAttribute('data-frame');
    if (a === 'play') { if (player.timer) player.stop(); else player.play(); return; }
    player.stop();
    player.show(a === 'first' ? 0 : a === 'last' ? player.n - 1 : a === 'prev' ? i - 1 : a === 'next' ? i + 1 : i);
  };
  controls.addEventListener('click', (e) => {
    const b = e.target.closest('button[data-action]');
    if (b) player.act(b.getAttribute('data-action'));
  });
  slider.addEventListener('input', () => { player.stop(); player.show(+slider.value); });
  root.addEventListener('keydown', (e) => {
    const t = e.target, k = e.key;
    if (e.altKey || e.ctrlKey || e.metaKey || t.matches('input, select, textarea')) return;
    let a = {ArrowRight: 'next', ArrowLeft: 'prev', Home: 'first', End: 'last'}[k];
    if (!a && t === root && (k === ' ' || k === 'Enter')) a = 'play';
    if (a) { e.preventDefault(); player.act(a); }
  });
  return player;
}

// ---- on paper ----

/** How many frames a stepper prints at most; a longer one prints that many key frames. */
export const PRINT_FRAMES = 12;

/**
 * The frames a stepper of ``n`` frames prints: all of them up to ``most``, else ``most`` key
 * frames spread evenly from the first to the last (the start, steps along the way, the result).
 */
export function print_indices(n, most = PRINT_FRAMES) {
  if (n <= most) return Array.from({length: n}, (_, i) => i);
  return [...new Set(Array.from({length: most}, (_, k) => Math.round(k * (n - 1) / (most - 1))))];
}

/** Fill ``paper`` with the frames a stepper prints, each numbered with its caption. */
function paper_frames(paper, n, source) {
  if (!source) return;
  const picks = print_indices(n);
  const figures = picks.map((i) => `<figure class="tconv-pframe"><div class="tconv-pbody">${source.frame(i)}</div>` +
    `<figcaption>${i + 1}. ${esc(source.caption(i))}</figcaption></figure>`);
  const note = picks.length < n
    ? `<p class="tconv-pnote">${esc(tw('{shown} key frames of {n}; the web edition steps through every one.',
                                       {shown: picks.length, n}))}</p>` : '';
  paper.innerHTML = note + figures.join('');
  // A frame wider than its half of the page takes a row of its own (measurable when the page
  // is laid out for print, as scripts/print_book.py does; a browser's Print fires beforeprint
  // before it switches to print styles, so there every frame keeps its half).
  for (const fig of paper.querySelectorAll('.tconv-pframe')) {
    if (fig.scrollWidth > fig.clientWidth + 1) fig.classList.add('tconv-wide');
  }
}

/**
 * Printing a page: every stepper lays out its frames (or key frames) with their captions
 * before the page is printed, and drops them after. Browsers fire beforeprint/afterprint;
 * scripts/print_book.py fires beforeprint itself (Chromium's PDF printing does not). One
 * listener per page, whichever version of the module comes first.
 */
export function print_players(on = true) {
  let n = 0;
  for (const el of document.querySelectorAll('.tconv-player')) {
    const f = on ? el.tconvPrint : el.tconvUnprint;
    if (f) { f(); n += 1; }
  }
  return n;
}
if (typeof window !== 'undefined' && !window.tconvPrintListening) {
  window.tconvPrintListening = true;
  window.addEventListener('beforeprint', () => print_players(true));
  window.addEventListener('afterprint', () => print_players(false));
}

/** The error box (also what Python's tconv.show.player.error_box writes). */
function error_html(message) {
  return `<strong>${esc(tw('Invalid settings:'))}</strong> ${esc(message)}`;
}

// ---- the editor: fields, Reset, the link; the URL fragment ----

function settings_equal(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

/** The state a model's data describes (the chapter's example). */
function example_state(data) {
  const st = {};
  for (const k of ['x', 'kernel', 'x_float', 'kernel_float', ...SETTINGS]) st[k] = data[k];
  return st;
}

/** Fragment text of a state: 'x=1,2;3,4&kernel=...&stride=2&padding=0,1'. */
export function encode_state(st, edit) {
  return edit.map((name) => {
    const v = GRIDS.includes(name) ? grid_text(st[name], st[name + '_float'], ',', ';')
      : name === 'size' || !Array.isArray(st[name]) ? String(st[name]) : st[name][0] === st[name][1] ? String(st[name][0]) : st[name].join(',');
    return `${name}=${v}`;
  }).join('&');
}

/**
 * The field texts of a fragment: {x: '1 2; 3 4', stride: '2', ...}, for the fields named in
 * ``names`` (a setting shown as two fields, stride_h and stride_w, takes 'stride=1,2').
 */
export function decode_state(text, names) {
  const out = {};
  for (const part of text.split('&')) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    let name, value;
    try { name = decodeURIComponent(part.slice(0, at)); value = decodeURIComponent(part.slice(at + 1)); }
    catch (e) { continue; }
    if (GRIDS.includes(name) && names.includes(name)) {
      out[name] = value.replace(/,/g, ' ').replace(/;/g, '; ');
    } else if (names.includes(name + '_h')) {
      const [a, b] = value.split(',');
      [out[name + '_h'], out[name + '_w']] = [a, b === undefined ? a : b];
    } else if (names.includes(name)) {
      out[name] = value;
    }
  }
  return out;
}

/**
 * The edit panel of a player: an "Edit numbers" toggle, Reset, a link to these numbers, the
 * fields (labelled), the help text and the error box. ``apply(fields)`` gets the fields' texts
 * and returns an error message or null; the panel marks the field the message names.
 */
function editor(id, {fields, help, apply, reset, page, label, toggled = true}) {
  const box = h('div', {class: 'tconv-edit'});
  const bar = h('div', {class: 'tconv-editbar'});
  const form = h('div', {class: 'tconv-form', id: `${id}-form`, role: 'group', 'aria-label': label, hidden: ''});
  const toggle = h('button', {type: 'button', 'data-action': 'edit', 'aria-expanded': 'false',
                              'aria-controls': form.id});
  toggle.textContent = tw('Edit numbers');
  toggle.hidden = !toggled;
  const again = h('button', {type: 'button', 'data-action': 'reset'});
  again.textContent = tw('Reset');
  const link = h('a', {class: 'tconv-link', href: `#${id}`, hidden: ''});  // an href from the start: a link, for crawlers too
  link.textContent = tw('Link to these numbers');
  const status = h('span', {class: 'tconv-edited', hidden: ''});
  status.textContent = tw('edited');
  bar.append(toggle, again, status, link);
  const error = h('div', {class: 'tconv-error', role: 'alert', id: `${id}-error`, hidden: ''});
  const inputs = {};
  const helper = h('p', {class: 'tconv-help', id: `${id}-help`});
  helper.textContent = help;
  for (const f of fields) {
    const lab = h('label', {for: `${id}-${f.name}`});
    lab.append(document.createTextNode(f.label));
    const input = h('input', {id: `${id}-${f.name}`, name: f.name, type: f.type,
      inputmode: f.type === 'text' ? 'decimal' : null, min: f.min, max: f.max, step: f.type === 'number' ? 1 : null,
      spellcheck: 'false', autocomplete: 'off', 'aria-describedby': `${id}-help`});
    input.value = f.value;
    if (f.type === 'text') input.style.width = `${Math.min(40, Math.max(12, String(f.value).length + 4))}ch`;
    inputs[f.name] = input;
    lab.append(input);
    form.append(lab);
  }
  form.append(helper);
  box.append(bar, form, error);
  const texts = () => Object.fromEntries(Object.entries(inputs).map(([k, e]) => [k, e.value]));
  const open = (yes) => { form.hidden = !yes; toggle.setAttribute('aria-expanded', String(yes)); };
  const run = (edited) => {
    const message = apply(texts(), edited);
    error.hidden = !message;
    error.innerHTML = message ? error_html(message) : '';
    for (const [name, input] of Object.entries(inputs)) {
      const bad = !!message && (message.startsWith(name + ' ') || message.startsWith(name + ' (') ||
                                (name.endsWith('_h') || name.endsWith('_w')) && message.startsWith(name.slice(0, -2) + ' '));
      input.setAttribute('aria-invalid', String(bad));
      input.setAttribute('aria-describedby', bad ? `${id}-error ${id}-help` : `${id}-help`);
    }
    return message;
  };
  const set = (values) => { for (const [k, v] of Object.entries(values)) if (inputs[k]) inputs[k].value = v; };
  const mark = (edited, fragment) => {
    status.hidden = !edited;
    link.hidden = !(edited && page && fragment);
    if (fragment) link.setAttribute('href', '#' + fragment);
  };
  toggle.addEventListener('click', () => open(form.hidden));
  again.addEventListener('click', () => reset());
  form.addEventListener('input', () => run(true));
  return {box, error, inputs, open, run, set, mark};
}

/** The settings fields of ``edit``: one number field per setting, two for a non-square one. */
function setting_fields(st, edit, bounds) {
  const out = [];
  for (const name of SETTINGS.filter((n) => edit.includes(n))) {
    const v = st[name], common = {type: 'number', min: MINIMUM[name], max: bounds[name]};
    if (v[0] === v[1]) out.push({name, label: name, value: v[0], ...common});
    else out.push({name: name + '_h', label: tw('{name} (rows)', {name}), value: v[0], ...common},
                  {name: name + '_w', label: tw('{name} (columns)', {name}), value: v[1], ...common});
  }
  return out;
}

/** A state from the editor's field texts (the library checks come after, in compute_view). */
function state_from(texts, base) {
  const st = {...base};
  for (const name of GRIDS) {
    if (texts[name] === undefined) continue;
    const {values, is_float} = parse_grid(texts[name], name);
    st[name] = values;
    st[name + '_float'] = is_float;
  }
  for (const name of SETTINGS) {
    if (texts[name] !== undefined) st[name] = parse_number(texts[name]);
    else if (texts[name + '_h'] !== undefined) st[name] = [parse_number(texts[name + '_h']), parse_number(texts[name + '_w'])];
  }
  return st;
}

/** The editable steppers: one or two views of the same numbers, one editor. */
function render_editable(el, model, data) {
  const page = !!model.get('page'), base = unique_id(data.id), views = data.views;
  const example = example_state(data);
  let current = example, titled = true;
  const players = views.map((name, k) => stepper_root(views.length > 1 ? `${base}-${name}` : base,
                                                      {title: data.title || '', note: '', interval: data.interval}));
  const fields = GRIDS.filter((n) => data.edit.includes(n)).map((name) => ({
    name, type: 'text', label: name === 'x' ? tw('input x') : tw('kernel'),
    value: grid_text(example[name], example[name + '_float'])})).concat(setting_fields(example, data.edit, data.bounds));
  const fragment_of = (st) => `${base}:${encode_state(st, data.edit)}`;
  const show = (st, edited) => {
    const computed = views.map((name) => compute_view(name, {...st, fmt: data.fmt, max_steps: data.max_steps, max_cells: data.max_cells}));
    current = st;
    computed.forEach((c, k) => {
      const view = VIEWS[views[k]], t = formatters({...st, fmt: data.fmt});
      const title = titled && data.titles && data.titles[k] ? data.titles[k] : view.title(c);
      players[k].load({count: view.count(c), frame: (i) => view.frame(c, i, t), caption: (i) => view.caption(c, i, t)},
                      {title, note: view.note(c)});
    });
  };
  const apply = (texts, edited) => {
    let st;
    try {
      st = state_from(texts, current);
      check_bounds_after(st);
      titled = settings_equal(normalized(st), example);
      show(st, edited);
    } catch (e) {
      if (!(e instanceof TconvError)) throw e;
      return e.message;
    }
    sync(st, edited);
    return null;
  };
  const check_bounds_after = (st) => {
    check_scatter(st.x, st.kernel, st.stride, st.padding, st.output_padding, st.dilation);
    check_bounds({...st, stride: as_tuple(st.stride, 'stride', 2), padding: as_tuple(st.padding, 'padding', 2),
                  output_padding: as_tuple(st.output_padding, 'output_padding', 2),
                  dilation: as_tuple(st.dilation, 'dilation', 2)}, data.bounds);
  };
  const normalized = (st) => {
    const normal = {...st};
    for (const n of SETTINGS) normal[n] = as_tuple(st[n], n, 2);
    return normal;
  };
  const sync = (st, edited) => {
    const normal = normalized(st);
    const changed = edited && !settings_equal(normal, example);
    ed.mark(changed, changed ? fragment_of(normal) : '');
    if (page && edited) {
      const hash = changed ? '#' + fragment_of(normal) : location.pathname + location.search;
      if (changed || location.hash.startsWith(`#${base}:`)) history.replaceState(history.state, '', hash);
    }
    model.set('state', changed ? normal : {});
    model.save_changes();
  };
  const reset = () => {
    titled = true;
    ed.set(Object.fromEntries(fields.map((f) => [f.name, f.value])));
    ed.run(false);
    if (page && location.hash.startsWith(`#${base}:`)) {
      history.replaceState(history.state, '', location.pathname + location.search);
    }
    ed.mark(false, '');
    model.set('state', {});
    model.save_changes();
  };
  const ed = editor(base, {fields, apply, reset, page,
    label: views.length > 1 ? tw('Numbers of both players') : tw('Numbers of this player'),
    help: tw('Numbers separated by spaces, rows by semicolons (1 2; 3 4); up to {size}×{size}, ' +
             'values up to {value} in size. The frames follow every change and start again at the first.',
             {size: data.bounds.size, value: data.bounds.value})});
  let host;
  if (views.length > 1) {
    host = h('div', {class: 'tconv-pair', role: 'group', 'aria-label': data.title || tw('Two views')});
    const head = h('p', {class: 'tconv-title'});
    head.textContent = data.title || '';
    const side = h('div', {class: 'tconv-side'});
    players.forEach((p) => side.append(p.root));
    host.append(head, ed.box, side);
  } else {
    host = players[0].root;
    host.insertBefore(ed.box, players[0].legend.nextSibling);
  }
  el.append(host);
  show(example, false);
  const restore = () => {
    const prefix = `#${base}:`;
    if (!page || !location.hash.startsWith(prefix)) return false;
    ed.set(decode_state(location.hash.slice(prefix.length), fields.map((f) => f.name)));
    ed.open(true);
    ed.run(true);
    host.scrollIntoView({block: 'start'});
    return true;
  };
  restore();
  const on_hash = () => restore();
  if (page) window.addEventListener('hashchange', on_hash);
  return () => { players.forEach((p) => p.stop()); if (page) window.removeEventListener('hashchange', on_hash); };
}

// ---- the output-size calculator ----

export const SIZE_SETTINGS = ['size', 'kernel_size', 'stride', 'padding', 'output_padding', 'dilation'];

/** The calculator's "same layer in ..." table: each framework's call for these settings. */
function calls_html(k, s, p, a, d) {
  const calls = same_layer_calls(k, s, p, a, d);
  const rows = FRAMEWORKS.map((name) => {
    const {code, note} = calls[name];
    const body = code ? `<code>${esc(code)}</code><span class="tcfn">${esc(note)}</span>`
      : `<span class="tcfr">${esc(note)}</span>`;
    return `<tr><th scope="row">${esc(name)}</th><td>${body}</td></tr>`;
  }).join('');
  return `<table class="tcfw"><caption>${esc(tw('The same layer in other frameworks'))}</caption>` +
    `<thead><tr><th scope="col">${esc(tw('Framework'))}</th><th scope="col">${esc(tw('Call'))}</th></tr></thead>` +
    `<tbody>${rows}</tbody></table>`;
}

/** tconv.book.stride_padding.size_formula: the length and the formula with the numbers in. */
export function size_formula(i, k, s, p, op, d) {
  const out = conv_transpose_output_size(i, k, s, p, op, d);
  return [out, `o = (${i} − 1)·${s} − 2·${p} + ${d}·(${k} − 1) + ${op} + 1 = ${out}`];
}

function render_size(el, model, data) {
  const page = !!model.get('page'), base = unique_id(data.id);
  const root = h('div', {class: 'tconv-player tconv-size', id: base, role: 'group', 'aria-label': data.title,
                         'data-frame': 0, 'data-frames': 1, tabindex: 0});
  const head = h('p', {class: 'tconv-title'});
  head.textContent = data.title;
  const note = h('p', {class: 'tconv-note'}, data.note);
  const frame = h('div', {class: 'tconv-frame', 'aria-live': 'polite'});
  const caption = h('p', {class: 'tconv-caption'});
  const calls = h('div', {class: 'tconv-calls'});
  const example = Object.fromEntries(SIZE_SETTINGS.map((n) => [n, data[n]]));
  const fields = SIZE_SETTINGS.map((name) => ({name, label: data.labels[name], type: 'number',
    value: data[name], min: name === 'padding' || name === 'output_padding' ? 0 : 1, max: null}));
  const apply = (texts, edited) => {
    let values;
    try {
      values = SIZE_SETTINGS.map((n) => parse_number(texts[n]));
      const [out, text] = size_formula(...values);
      frame.hidden = false;
      frame.innerHTML = `<div class="tcsz">${tw_html('output size {size}', {size: `<b>${out}</b>`})}` +
                        `<br><code>${esc(text)}</code></div>`;
      caption.textContent = tw('Output size {size}.', {size: out});
      calls.innerHTML = calls_html(...values.slice(1));
      calls.hidden = false;
    } catch (e) {
      if (!(e instanceof TconvError)) throw e;
      frame.hidden = true;  // the error box says it, once
      calls.hidden = true;
      caption.textContent = '';
      return e.message;
    }
    const st = Object.fromEntries(SIZE_SETTINGS.map((n, k) => [n, values[k]]));
    const changed = edited && !settings_equal(st, example), fragment = `${base}:${encode_state(st, SIZE_SETTINGS)}`;
    ed.mark(changed, changed ? fragment : '');
    if (page && edited && (changed || location.hash.startsWith(`#${base}:`))) {
      history.replaceState(history.state, '', changed ? '#' + fragment : location.pathname + location.search);
    }
    model.set('state', changed ? st : {});
    model.save_changes();
    return null;
  };
  const reset = () => {
    ed.set(example);
    ed.run(false);
    ed.mark(false, '');
    if (page && location.hash.startsWith(`#${base}:`)) history.replaceState(history.state, '', location.pathname + location.search);
  };
  const ed = editor(base, {fields, apply, reset, page, label: tw('Settings'), toggled: false,
    help: tw('Whole numbers; the output size follows every change.')});
  ed.open(true);
  root.append(head, note, ed.box, frame, caption, calls);
  if (data.css) el.append(h('style', {}, data.css));
  el.append(root);
  ed.run(false);
  const restore = () => {
    if (!page || !location.hash.startsWith(`#${base}:`)) return;
    ed.set(decode_state(location.hash.slice(base.length + 2), SIZE_SETTINGS));
    ed.run(true);
    root.scrollIntoView({block: 'start'});
  };
  restore();
  if (page) window.addEventListener('hashchange', restore);
  return () => { if (page) window.removeEventListener('hashchange', restore); };
}

// ---- pre-rendered frames: a sequence, or one frame per combination of settings ----

function render_frames(el, model, data) {
  const p = stepper_root(unique_id(data.id), {title: data.title, note: data.note, interval: data.interval});
  if (data.css) el.append(h('style', {}, data.css));
  el.append(p.root);
  p.load({count: data.frames.length, frame: (i) => data.frames[i], caption: (i) => data.captions[i]});
  return () => p.stop();
}

function render_chooser(el, model, data) {
  const id = unique_id(data.id), names = Object.keys(data.params);
  const root = h('div', {class: 'tconv-player tconv-choose', id, role: 'group', 'aria-label': data.title,
                         'data-frame': data.initial, 'data-frames': data.frames.length, tabindex: 0});
  const head = h('p', {class: 'tconv-title'});
  head.textContent = data.title;
  const note = h('p', {class: 'tconv-note'}, data.note);
  note.hidden = !data.note;
  const controls = h('div', {class: 'tconv-controls'});
  const selects = names.map((name) => {
    const lab = h('label'), select = h('select', {'data-param': name});
    lab.append(document.createTextNode((data.labels[name] || name) + ' '));
    data.params[name].forEach((v) => { const o = h('option'); o.textContent = v; select.append(o); });
    lab.append(select);
    controls.append(lab);
    return select;
  });
  const frame = h('div', {class: 'tconv-frame'}), caption = h('p', {class: 'tconv-caption', 'aria-live': 'polite'});
  const frames = h('div', {class: 'tconv-frames'});
  frames.append(frame);
  const show = (i) => {
    frame.innerHTML = data.frames[i];
    caption.textContent = data.captions[i];
    frame.setAttribute('data-caption', data.captions[i]);
    root.setAttribute('data-frame', i);
  };
  let rest = data.initial;  // the initial index, in mixed radix
  for (let k = names.length - 1; k >= 0; k--) {
    const n = data.params[names[k]].length;
    selects[k].selectedIndex = rest % n;
    rest = Math.floor(rest / n);
  }
  controls.addEventListener('change', () => {
    let i = 0;
    selects.forEach((s) => { i = i * s.options.length + s.selectedIndex; });
    show(i);
    model.set('state', {settings: Object.fromEntries(names.map((n, k) => [n, selects[k].selectedIndex]))});
    model.save_changes();
  });
  if (data.css) el.append(h('style', {}, data.css));
  root.append(head, note, controls, frames, caption);
  el.append(root);
  show(data.initial);
}

function render_error(el, model, data) {
  el.append(h('div', {class: 'tconv-error', role: 'alert'}, error_html(data.message)));
}

// ================================================================ 7. Hosts

const KINDS = {editable: render_editable, size: render_size, frames: render_frames,
               chooser: render_chooser, error: render_error};

/** anywidget's entry point (also the book's, through ``mount``). */
export function render({model, el}) {
  let cleanup = null;
  const draw = () => {
    if (cleanup) cleanup();
    el.replaceChildren();
    el.classList.add('tconv-widget');
    const data = model.get('data');
    WORDS = data.words || {};
    cleanup = KINDS[data.kind](el, model, data) || null;
  };
  draw();
  model.on('change:data', draw);
  return () => { if (cleanup) cleanup(); model.off('change:data', draw); };
}

/**
 * Run a player in a page with no kernel: a stand-in model over plain data, drawn into a new
 * element at the end of ``el`` (whose stylesheet and scripts stay where they are).
 */
export function mount(el, data) {
  const store = {data, state: {}, page: true}, handlers = {};
  const model = {
    get: (key) => store[key],
    set: (key, value) => { store[key] = value; (handlers['change:' + key] || []).forEach((f) => f()); },
    on: (event, f) => { (handlers[event] = handlers[event] || []).push(f); },
    off: (event, f) => { if (handlers[event]) handlers[event] = handlers[event].filter((g) => f && g !== f); },
    save_changes: () => {},
  };
  const host = document.createElement('div');
  el.append(host);
  el.tconvModel = model;
  return render({model, el: host});
}

export default {render};
