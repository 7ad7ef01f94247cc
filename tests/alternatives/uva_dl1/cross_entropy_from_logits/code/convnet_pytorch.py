"""The VGG-style ConvNet of part 4 (Table 1 of the assignment)."""
import torch.nn as nn

# Table 1, in order: ("conv", in, out) is a 3x3 convolution, stride 1, padding 1, followed by
# BatchNorm and ReLU; ("pool", channels) a 3x3 max pool, stride 2, padding 1.
TABLE_1 = [("conv", 3, 64), ("pool", 64),
           ("conv", 64, 128), ("pool", 128),
           ("conv", 128, 256), ("conv", 256, 256), ("pool", 256),
           ("conv", 256, 512), ("conv", 512, 512), ("pool", 512),
           ("conv", 512, 512), ("conv", 512, 512), ("pool", 512)]


class ConvNet(nn.Module):
    """conv1, maxpool1, conv2, maxpool2, conv3_a, conv3_b, maxpool3, conv4_a, conv4_b, maxpool4,
    conv5_a, conv5_b, maxpool5, then a linear layer 512 -> n_classes. Every conv block is a
    Conv2d (3x3, stride 1, padding 1), a BatchNorm2d and a ReLU; every max pool is 3x3 with
    stride 2 and padding 1, which halves 32x32 images down to 1x1 after the fifth."""

    def __init__(self, n_channels, n_classes):
        """Args:
          n_channels: channels of the input images (3 for CIFAR-10)
          n_classes: number of classes
        """
        super(ConvNet, self).__init__()
        layers = []
        for kind, *sizes in TABLE_1:
            if kind == "conv":
                fan_in = n_channels if not layers else sizes[0]
                layers += [nn.Conv2d(fan_in, sizes[1], kernel_size=3, stride=1, padding=1),
                           nn.BatchNorm2d(sizes[1]), nn.ReLU()]
            else:
                layers.append(nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
        self.features = nn.Sequential(*layers)
        self.linear = nn.Linear(512, n_classes)

    def forward(self, x):
        """x (S, n_channels, 32, 32) -> logits (S, n_classes)."""
        return self.linear(self.features(x).flatten(1))
