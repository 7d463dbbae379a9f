#!/usr/bin/python3
"""Training throughput of rowsim's trainer vs PyTorch CPU on the same network, batch and threads.

Not part of the test suite. Needs Debian's python3-torch (apt-get install python3-torch), which is
not a dependency of rowsim itself. Usage:

    tests/bench/train_vs_torch.py [--rowsim build/rowsim] [--threads 1,2] [--nets gate,vgg16,resnet50]
                                  [--batch 128] [--images 2048] [--repeats 3]

For each network (the gate, 0.25-VGG16, 0.25-ResNet50) it runs one epoch of `rowsim train` on synthetic images
(augmentation off) and reads the epoch's images/s, then times the same number of SGD steps
(forward, cross-entropy, backward, momentum update) of the equivalent torch.nn model on random
tensors. The torch model's weight count is checked against `rowsim workload stats` so both sides
train the same network. The two sides run alternately, so both see the same load on a shared
machine; the table gives the best of each side, every pair's ratio and the 1-minute load average
over the runs. Prints a Markdown table (docs/training.md holds the recorded one).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn as nn


def conv_bn_relu(cin, cout, kernel=3, stride=1):
    # rowsim drops the bias of a conv whose only consumer is a batch-norm; so does this.
    return [nn.Conv2d(cin, cout, kernel, stride, kernel // 2, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


def scale(width, c):
    return max(1, int(width * c + 1e-9))


def gate(width, classes):
    c1, c2, c3, h = scale(width, 16), scale(width, 8), scale(width, 64), scale(width, 256)
    return nn.Sequential(*conv_bn_relu(3, c1), nn.MaxPool2d(2), *conv_bn_relu(c1, c2), nn.MaxPool2d(2),
                         *conv_bn_relu(c2, c3), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(c3 * 16, h),
                         nn.ReLU(inplace=True), nn.Linear(h, classes))


def vgg16(width, classes):
    layers, cin = [], 3
    for stage in [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]]:
        for c in stage:
            layers += conv_bn_relu(cin, scale(width, c))
            cin = scale(width, c)
        layers.append(nn.MaxPool2d(2))
    h = scale(width, 512)
    layers += [nn.Flatten(), nn.Linear(cin, h), nn.ReLU(inplace=True), nn.Linear(h, h), nn.ReLU(inplace=True),
               nn.Linear(h, classes)]
    return nn.Sequential(*layers)


class Bottleneck(nn.Module):
    # rowsim's zoo block: 1x1, 3x3 (carrying the stride), 1x1 to 4x planes, projection shortcut
    # where the shape changes, add, ReLU.
    def __init__(self, cin, planes, stride):
        super().__init__()
        self.branch = nn.Sequential(*conv_bn_relu(cin, planes, 1), *conv_bn_relu(planes, planes, 3, stride),
                                    nn.Conv2d(planes, 4 * planes, 1, bias=False), nn.BatchNorm2d(4 * planes))
        self.shortcut = nn.Identity()
        if stride != 1 or cin != 4 * planes:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, 4 * planes, 1, stride, bias=False), nn.BatchNorm2d(4 * planes))

    def forward(self, x):
        return torch.relu_(self.branch(x) + self.shortcut(x))


def resnet50(width, classes):
    cin = scale(width, 64)
    layers = conv_bn_relu(3, cin)
    for planes, blocks, stride in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]:
        for i in range(blocks):
            layers.append(Bottleneck(cin, scale(width, planes), stride if i == 0 else 1))
            cin = 4 * scale(width, planes)
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes)]
    return nn.Sequential(*layers)


def rowsim_weights(rowsim, net, width):
    out = subprocess.run([rowsim, "workload", "stats", "--net", net, "--width", str(width), "--format", "json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["totals"]["weights"]


def torch_weights(model):
    return sum(m.weight.numel() for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear)))


def rowsim_rate(rowsim, net, width, batch, images, threads):
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [rowsim, "train", "--net", net, "--width", str(width), "--dataset", "synthetic", "--limit", str(images),
               "--test-limit", str(batch), "--epochs", "1", "--batch", str(batch), "--augment", "off",
               "--threads", str(threads), "-o", os.path.join(tmp, "w.safetensors")]
        err = subprocess.run(cmd, check=True, capture_output=True, text=True, env={**os.environ, "CI": "1"}).stderr
    m = re.search(r"epoch 1/1: .* ([0-9.]+) s +([0-9]+) images/s", err)
    if not m:
        sys.exit("could not read images/s from rowsim train:\n" + err)
    return float(m.group(2))


def torch_rate(model, batch, images, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand(batch, 3, 32, 32)
    y = torch.randint(0, 10, (batch,))
    model.train()

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()

    for _ in range(3):  # warm-up: allocator, oneDNN/BLAS kernels
        step()
    steps = max(1, images // batch)
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return steps * batch / (time.perf_counter() - t0)


NETWORKS = {  # name: (width, torch builder, classes `rowsim workload stats` counts by default)
    "gate": (1.0, gate, 2),
    "vgg16": (0.25, vgg16, 100),
    "resnet50": (0.25, resnet50, 100),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rowsim", default="build/rowsim")
    ap.add_argument("--threads", default="2", help="comma-separated thread counts, e.g. 1,2")
    ap.add_argument("--nets", default="gate,vgg16,resnet50", help="comma-separated, of " + ",".join(NETWORKS))
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--images", type=int, default=2048)
    ap.add_argument("--repeats", type=int, default=3, help="rowsim and PyTorch runs, alternating, per network")
    args = ap.parse_args()
    # Both sides inherit the environment; OPENBLAS_CORETYPE (set on the project's machines) picks
    # rowsim's sgemm kernels, and PyTorch's FC layers' BLAS, while oneDNN picks its own.
    print(f"torch {torch.__version__}, mkldnn {torch.backends.mkldnn.is_available()}, batch {args.batch}, "
          f"{args.images} images per run, {args.repeats} alternating runs per side, "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    print("| network | threads | rowsim images/s | PyTorch images/s | rowsim / PyTorch (best) "
          "| ratio per pair | load average |")
    print("| --- | ---: | ---: | ---: | ---: | --- | --- |")
    for threads in [int(t) for t in args.threads.split(",")]:
        for name in args.nets.split(","):
            width, build, default_classes = NETWORKS[name]
            want, have = rowsim_weights(args.rowsim, name, width), torch_weights(build(width, default_classes))
            if have != want:
                sys.exit(f"{name}: torch model has {have} weights, rowsim {want}")
            model = build(width, 10)  # the runs use 10 classes
            # Alternate the two sides so both see the same machine load; a shared machine's load
            # drifts over minutes, and best-of-N per side measured minutes apart would not be a ratio.
            pairs, loads = [], [os.getloadavg()[0]]
            for _ in range(args.repeats):
                r = rowsim_rate(args.rowsim, name, width, args.batch, args.images, threads)
                t = torch_rate(model, args.batch, args.images, threads)
                pairs.append((r, t))
                loads.append(os.getloadavg()[0])
            r, t = max(p[0] for p in pairs), max(p[1] for p in pairs)
            label = f"{width:.2f}-{name}" if name != "gate" else "gate"
            per_pair = " ".join(f"{a / b:.2f}" for a, b in pairs)
            print(f"| {label} | {threads} | {r:.0f} | {t:.0f} | {r / t:.2f} | {per_pair} | "
                  f"{min(loads):.1f}-{max(loads):.1f} |", flush=True)


if __name__ == "__main__":
    main()
