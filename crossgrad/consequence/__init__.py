"""`crossgrad consequence`: does relu'(0) change training? (issue 21)

A fully connected ReLU network is trained and differentiated in every installed
framework and precision with relu'(0) set to 0 and to 1 (each framework's own
custom-derivative mechanism, declared in its adapter as
`relu_with_derivative_at_zero`), with the framework's own relu and with the
spellings maximum(z, 0) and relu(-t)+t, beside Bertoin et al. (NeurIPS 2021).

Modules, one job each: config (the study's settings), data (digits or a .npz),
network (init, forward, loss over a framework's ops), volume / training (the
measures, run inside a worker), worker (one framework per process), study
(plans tasks, supervises workers, writes CSVs), divergence, anchors (the
paper's figures), report and plots.
"""
