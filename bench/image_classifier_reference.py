#!/usr/bin/python3
"""The anchor for bench/image_classifier_bench.cc and the source of the accuracy floor in
src/train/trainers/torch_image/image_classifier_test.cc: easel's image networks re-stated in
PyTorch (python3-torch, the same LibTorch 1.13 underneath), trained with the same recipe.

The network definitions follow torchvision's models/resnet.py and mobilenetv2.py (torchvision is
not packaged in Debian 12), plus easel's two additions: a width multiplier (channels rounded
with torchvision's _make_divisible) and, below 64 px, the CIFAR-style stem (ResNet: 3x3 stride-1
conv1, no max-pool; MobileNetV2: stride 1 in features.0 and the first 24-channel block).

Subcommands (each prints one JSON line on stdout):
  digits      sklearn digits, 8x8 upscaled to --size, the split and recipe of the C++ test
  throughput  --steps optimizer steps on Fashion-MNIST batches (tensors, no decoding)
  accuracy    train on Fashion-MNIST's 60k for --epochs, test accuracy on the 10k
Run with /usr/bin/python3 (Debian's python3-torch is visible to it only).
"""

import argparse
import gzip
import json
import math
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def make_divisible(v, divisor=8):
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def conv3x3(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, 3, stride, 1, bias=False)


def conv1x1(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, 1, stride, bias=False)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = conv3x3(cin, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = conv1x1(cin, planes)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes, stride)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = conv1x1(planes, planes * 4)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class ResNet(nn.Module):
    def __init__(self, block, layers, num_classes, width=1.0, channels=3, input_size=224):
        super().__init__()
        self.cifar = input_size < 64
        cin = make_divisible(64 * width)
        if self.cifar:
            self.conv1 = nn.Conv2d(channels, cin, 3, 1, 1, bias=False)
        else:
            self.conv1 = nn.Conv2d(channels, cin, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(cin)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.inplanes = cin
        for i, (planes, n) in enumerate(zip((64, 128, 256, 512), layers)):
            setattr(self, f"layer{i + 1}",
                    self._make_layer(block, make_divisible(planes * width), n, 1 if i == 0 else 2))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(self.inplanes, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def _make_layer(self, block, planes, n, stride):
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
                                       nn.BatchNorm2d(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes) for _ in range(1, n)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        if not self.cifar:
            x = self.maxpool(x)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class ConvBNReLU6(nn.Sequential):
    def __init__(self, cin, cout, kernel=3, stride=1, groups=1):
        super().__init__(nn.Conv2d(cin, cout, kernel, stride, (kernel - 1) // 2, groups=groups,
                                   bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU6(inplace=True))


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand_ratio):
        super().__init__()
        hidden = int(round(cin * expand_ratio))
        self.use_res_connect = stride == 1 and cin == cout
        layers = []
        if expand_ratio != 1:
            layers.append(ConvBNReLU6(cin, hidden, 1))
        layers += [ConvBNReLU6(hidden, hidden, 3, stride, hidden),
                   nn.Conv2d(hidden, cout, 1, 1, 0, bias=False), nn.BatchNorm2d(cout)]
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class MobileNetV2(nn.Module):
    def __init__(self, num_classes, width=1.0, channels=3, input_size=224):
        super().__init__()
        cifar = input_size < 64
        setting = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1],
                   [6, 160, 3, 2], [6, 320, 1, 1]]
        cin = make_divisible(32 * width)
        last = make_divisible(1280 * max(1.0, width))
        features = [ConvBNReLU6(channels, cin, 3, 1 if cifar else 2)]
        for i, (t, c, n, s) in enumerate(setting):
            cout = make_divisible(c * width)
            stage_stride = 1 if cifar and i == 1 else s
            for b in range(n):
                features.append(InvertedResidual(cin, cout, stage_stride if b == 0 else 1, t))
                cin = cout
        features.append(ConvBNReLU6(cin, last, 1))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(last, num_classes))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = F.adaptive_avg_pool2d(self.features(x), (1, 1))
        return self.classifier(torch.flatten(x, 1))


def build(arch, num_classes, width, channels, input_size):
    if arch == "mobilenet_v2":
        return MobileNetV2(num_classes, width, channels, input_size)
    block, layers = {"resnet18": (BasicBlock, [2, 2, 2, 2]), "resnet34": (BasicBlock, [3, 4, 6, 3]),
                     "resnet50": (Bottleneck, [3, 4, 6, 3])}[arch]
    return ResNet(block, layers, num_classes, width, channels, input_size)


def make_optimizer(net, args):
    if args.optimizer == "sgd":
        return torch.optim.SGD(net.parameters(), lr=args.lr, momentum=0.9,
                               weight_decay=args.weight_decay)
    return torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=args.weight_decay)


def cosine_lr(lr, epoch, epochs):  # torch_common's LearningRateAt, "cosine", no warmup
    return lr * 0.5 * (1 + math.cos(math.pi * min(1.0, epoch / max(1, epochs))))


def train_epochs(net, opt, x, y, args, epochs):
    """x: N x C x H x W float (normalized), y: N int64. Shuffled batches, easel's recipe."""
    gen = torch.Generator().manual_seed(args.seed)
    for epoch in range(epochs):
        for g in opt.param_groups:
            g["lr"] = cosine_lr(args.lr, epoch, epochs)
        net.train()
        order = torch.randperm(len(x), generator=gen)
        for begin in range(0, len(x), args.batch):
            idx = order[begin:begin + args.batch]
            if len(idx) < 2:
                continue
            opt.zero_grad()
            loss = F.cross_entropy(net(x[idx]), y[idx], label_smoothing=args.label_smoothing)
            loss.backward()
            opt.step()


@torch.no_grad()
def accuracy(net, x, y, batch=256):
    net.eval()
    hits = 0
    for begin in range(0, len(x), batch):
        hits += (net(x[begin:begin + batch]).argmax(1) == y[begin:begin + batch]).sum().item()
    return hits / len(x)


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, n = struct.unpack(">II", data[:8])
    if magic == 2051:
        rows, cols = struct.unpack(">II", data[8:16])
        return np.frombuffer(data, np.uint8, offset=16).reshape(n, rows, cols)
    return np.frombuffer(data, np.uint8, offset=8)


def to_input(pixels_u8, size):
    """uint8 N x H x W → the network input: bilinear resize (half-pixel centres, as OpenCV and
    the C++ bench), rounded to 8 bits, then (x / 255 - 0.5) / 0.5 like easel's grayscale
    pipeline."""
    x = torch.from_numpy(pixels_u8.astype(np.float32)).unsqueeze(1)
    if x.shape[-1] != size:
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
        x = x.round().clamp(0, 255)
    return (x / 255.0 - 0.5) / 0.5


def fashion_tensors(root, split, size):
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(f"{root}/{prefix}-images-idx3-ubyte.gz")
    labels = read_idx(f"{root}/{prefix}-labels-idx1-ubyte.gz")
    return to_input(images, size), torch.from_numpy(labels.astype(np.int64))


def digits(args):
    rows = np.loadtxt(gzip.open("/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"),
                      delimiter=",")
    pixels = np.floor(rows[:, :64] * 255 / 16).astype(np.uint8).reshape(-1, 8, 8)
    x = to_input(pixels, args.size)
    y = torch.from_numpy(rows[:, 64].astype(np.int64))
    r = np.arange(len(rows)) % 10
    train, test = np.flatnonzero(r >= 3)[:args.train_limit], r <= 1
    results = []
    for seed in args.seeds:
        torch.manual_seed(seed)
        args.seed = seed
        net = build("resnet18", 10, args.width, 1, args.size)
        opt = make_optimizer(net, args)
        t0 = time.time()
        train_epochs(net, opt, x[train], y[train], args, args.epochs)
        results.append({"seed": seed, "test_accuracy": accuracy(net, x[test], y[test]),
                        "seconds": time.time() - t0})
    print(json.dumps({"digits": results,
                      "min": min(r["test_accuracy"] for r in results),
                      "mean": sum(r["test_accuracy"] for r in results) / len(results)}))


def throughput(args):
    x, y = fashion_tensors(args.data, "train", args.size)
    torch.manual_seed(args.seed)
    net = build(args.arch, 10, args.width, 1, args.size)
    opt = make_optimizer(net, args)
    net.train()
    gen = torch.Generator().manual_seed(args.seed)
    batches = [torch.randint(0, len(x), (args.batch,), generator=gen)
               for _ in range(args.warmup + args.steps)]
    images = [x[b].contiguous() for b in batches]
    labels = [y[b].contiguous() for b in batches]

    def step(i):
        opt.zero_grad()
        loss = F.cross_entropy(net(images[i]), labels[i], label_smoothing=args.label_smoothing)
        loss.backward()
        opt.step()
        return loss

    for i in range(args.warmup):
        step(i)
    t0 = time.perf_counter()
    for i in range(args.warmup, args.warmup + args.steps):
        loss = step(i)
    seconds = time.perf_counter() - t0
    print(json.dumps({"samples_per_s": args.steps * args.batch / seconds, "seconds": seconds,
                      "final_loss": loss.item(), "threads": torch.get_num_threads()}))


def fashion_accuracy(args):
    x, y = fashion_tensors(args.data, "train", args.size)
    if args.train_limit:
        x, y = x[:args.train_limit], y[:args.train_limit]
    tx, ty = fashion_tensors(args.data, "test", args.size)
    torch.manual_seed(args.seed)
    net = build(args.arch, 10, args.width, 1, args.size)
    opt = make_optimizer(net, args)
    t0 = time.time()
    train_epochs(net, opt, x, y, args, args.epochs)
    seconds = time.time() - t0
    print(json.dumps({"test_accuracy": accuracy(net, tx, ty), "train_seconds": seconds}))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("mode", choices=["digits", "throughput", "accuracy"])
    p.add_argument("--arch", default="resnet18")
    p.add_argument("--width", type=float, default=0.25)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--optimizer", default="adamw")
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--weight-decay", type=float, default=1e-4)
    p.add_argument("--label-smoothing", type=float, default=0.0)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    p.add_argument("--train-limit", type=int, default=None, help="first N training images")
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    {"digits": digits, "throughput": throughput, "accuracy": fashion_accuracy}[args.mode](args)


if __name__ == "__main__":
    sys.exit(main())
