"""Bertoin, Bolte, Gerchinovitz and Pauwels, "Numerical influence of ReLU'(0) on
backpropagation" (NeurIPS 2021): the figures this study is set beside, as data, each
cited to the CSV of deel-ai/relu-prime (commit 6c359e0) it was read from.

How they were measured (notebooks/volume_estimation_by_architecture.ipynb,
relu.py, paper_results/section_4/zeros/count_zeros.ipynb), where it matters here:
- a volume draw is a fresh PyTorch init and one pass over MNIST's 60000 training
  images (batch 256, unshuffled), stopped at the first minibatch whose
  first-layer weight gradient differs between relu'(0)=0 and 1; width sweep at
  3 hidden layers, depth sweep at width 256; GPU, 1000 draws (the notebook: 100);
- in the depth sweep the 64-bit loop `break`s before computing anything, so its
  zeros are zero by construction, not measured;
- their ReLUAlpha backward writes `grad_input[input == 0] = alpha`: the value
  alpha, not alpha times the incoming gradient (the chain rule, used here);
- zeros: SGD (lr 0.01, momentum 0.9, weight decay 5e-4), 100 epochs, the
  framework's relu, the fraction of pre-activations exactly 0 over all epochs.
"""
from __future__ import annotations

REPOSITORY = "deel-ai/relu-prime"
COMMIT = "6c359e0"
SECTION3 = "paper_results/section_3/"
TRAINING_FILES = {"resnet18": "paper_results/section_4/cifar10/resnet18/resnet18_cifar10_sgd.csv",
                  "vgg11": "paper_results/section_4/svhn/vgg11_svhn_adam.csv"}

# Volume: draws (of 1000) whose backprop differs, MNIST, fully connected.
VOLUME = {
    "width": dict(file=SECTION3 + "volume_estimation_by_number_of_neurons_MNIST.csv", fixed="3 hidden layers, batch 256",
                  values=(16, 64, 256, 512, 1024),
                  counts={16: (333, 1000, 1000, 1000, 1000), 32: (21, 163, 478, 582, 873), 64: (0, 0, 0, 0, 0)}),
    "depth": dict(file=SECTION3 + "volume_estimation_by_number_of_layers_MNIST.csv", fixed="width 256, batch 256",
                  values=(1, 2, 3, 5, 6),
                  counts={16: (871, 999, 1000, 1000, 1000), 32: (54, 258, 463, 647, 697), 64: (0, 0, 0, 0, 0)}),
    "batch": dict(file=SECTION3 + "volume_estimation_by_batch_size_MNIST.csv", fixed="3 hidden layers x 256",
                  values=(16, 64, 256, 512, 1024),
                  counts={16: (1000, 1000, 1000, 1000, 1000), 32: (439, 453, 488, 351, 384)}),
}
DRAWS = 1000
MNIST_TRAIN = 60000

# Exact zeros among relu inputs over 100 epochs of training, the largest over the architectures.
ZEROS = dict(file="paper_results/section_4/zeros/zeros_by_architecture.csv",
             largest={16: (1.238607e-7, "6 layers x 512"), 32: (8.333333e-9, "5 layers x 16")})

# Final test accuracy, mean of the runs at the last epoch: (relu'(0)=0, relu'(0)=1).
TRAINING = (
    dict(what="ResNet18, CIFAR10, SGD, no batch norm", file=TRAINING_FILES["resnet18"], zero=0.90136, one=0.10000,
         note="relu'(0)=1: chance (10.00%) in all 10 runs"),
    dict(what="ResNet18, CIFAR10, SGD, batch norm", file=TRAINING_FILES["resnet18"], zero=0.91867, one=0.89806,
         note="10 runs each"),
    dict(what="VGG11, SVHN, Adam, no batch norm", file=TRAINING_FILES["vgg11"], zero=0.961148, one=0.958190,
         note="5 runs each"),
)

# Bolte & Pauwels (NeurIPS 2020): relu(-t)+t is relu, yet backprop gives it 1 - relu'(0) at 0.
SPELLING = "relu(-t)+t equals relu(t) everywhere; its derivative at 0 by backprop is 1 - relu'(0)"


def cite(path: str) -> str:
    return f"{REPOSITORY}@{COMMIT}:{path}"
