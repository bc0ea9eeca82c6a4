"""tconv.book: the chapters' companions, one module per chapter that needs one.

Each holds what its chapter needs and no other does (explorers, experiments, tables,
figures), named after the chapter's file:

- :mod:`tconv.book.why_upsample`: the two designs the chapter compares, its figures;
- :mod:`tconv.book.fixed_upsampling`: the round trip, the max-unpooling stepper, the picker;
- :mod:`tconv.book.step_by_step`: sums written out, the result and strides figures;
- :mod:`tconv.book.stride_padding`: the output-size calculator;
- :mod:`tconv.book.many_names`: the scatter and the rows of ``C.T`` in step;
- :mod:`tconv.book.checkerboard`: overlap counts, phase sums, random upsamplers, spectra and
  costs, the overlap explorer and the chapter's experiments and figures;
- :mod:`tconv.book.super_resolution`: the round trip and its scores, the three learned
  layers, their training and seed study, the chapter's figures;
- :mod:`tconv.book.segmentation`: the pixel rule, boundary pixels, the decoders' training and
  seed study, the chapter's figures;
- :mod:`tconv.book.in_practice`: a DCGAN generator and a U-Net up block in :mod:`tconv.nn`,
  a row per layer and its table, upsampler costs, one layer across PyTorch, Keras, JAX and
  ONNX (weight layouts, kept windows, translated calls), the closing chapter's figures.

Beside them, what several chapters share: :mod:`tconv.book.data` (the pictures and the
shapes data set) and :mod:`tconv.book.exercises` (the answer checkers of every chapter).

May import: the operations (:mod:`tconv`, :mod:`tconv.nn`, ...) and the toolkit
(:mod:`tconv.show`); nothing in :mod:`tconv` or :mod:`tconv.show` imports this package.
"""
