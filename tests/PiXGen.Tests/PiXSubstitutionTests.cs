using System;
using System.Collections.Generic;
using System.Linq;
using PiXGen.Tests.Reference;
using PiXGen.Zoo;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Tests;

/// <summary>
/// Network-wide PiX substitution on the torchvision-style ResNet-50 declaration computes the same function as
/// the hand-declared official PiX-ResNet-50.
/// </summary>
public class PiXSubstitutionTests
{
    /// <summary>Official PiX-ResNet-50 key → the substituted torchvision-style key.</summary>
    private static string ToTorchvision(string key)
    {
        var replacements = new (string From, string To)[]
        {
            (".blocks.", "."), ("conv_sqz", "conv1"), ("conv_ce", "conv2"), ("bn_ce", "bn2"), ("conv_exp", "conv3"),
            ("bn_exp", "bn3"), ("conv_proj", "downsample.0"), ("bn_proj", "downsample.1"),
        };
        if (key.StartsWith("conv_stem", StringComparison.Ordinal)) return "conv1" + key.Substring("conv_stem".Length);
        if (key.StartsWith("bn_stem", StringComparison.Ordinal)) return "bn1" + key.Substring("bn_stem".Length);
        if (key.StartsWith("classifier", StringComparison.Ordinal)) return "fc" + key.Substring("classifier".Length);
        foreach (var (from, to) in replacements) key = key.Replace(from, to);
        return key;
    }

    [Fact]
    public void State_dict_is_the_dense_one_without_the_replaced_batchnorms_and_phi_takes_the_conv_names()
    {
        using var dense = new ResNet50();
        using var pix = new ResNet50SubstitutedPiX();
        var denseKeys = dense.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var pixKeys = pix.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        // Every bottleneck's bn1 is gone (replaced with conv1 and its ReLU); nothing else changes.
        var expected = denseKeys.Keys.Where(k => !System.Text.RegularExpressions.Regex.IsMatch(k, @"^layer\d\.\d+\.bn1\.")).OrderBy(k => k);
        Assert.Equal(expected, pixKeys.Keys.OrderBy(k => k));
        foreach (var (key, shape) in pixKeys) Assert.Equal(denseKeys[key], shape);
        Assert.Equal(ResNet50SubstitutedPiX.ParameterCount, pix.parameters().Sum(p => p.numel()));
        Assert.Equal(PiXResNet50.ParameterCount, ResNet50SubstitutedPiX.ParameterCount);
        Assert.Equal(PiXResNet50.Macs, ResNet50SubstitutedPiX.Macs);
    }

    [Fact]
    public void Substituted_resnet50_equals_the_official_pix_resnet50_after_mapping_weights_by_name()
    {
        using var scope = torch.NewDisposeScope();
        using var official = new PiXResNet50();
        using var substituted = new ResNet50SubstitutedPiX();
        PyTorchReference.Initialise(official);
        var target = substituted.state_dict();
        var copied = new HashSet<string>();
        using (torch.no_grad())
        {
            foreach (var (key, value) in official.state_dict())
            {
                var mapped = ToTorchvision(key);
                Assert.True(target.ContainsKey(mapped), $"{key} → {mapped} is not in the substituted network");
                target[mapped].copy_(value.reshape(target[mapped].shape));
                copied.Add(mapped);
            }
        }
        Assert.Equal(target.Keys.OrderBy(k => k), copied.OrderBy(k => k));
        official.eval(); substituted.eval();
        using var _ = torch.no_grad();
        var input = PyTorchReference.Input();
        var a = official.forward(input).data<float>().ToArray();
        var b = substituted.forward(input).data<float>().ToArray();
        double error = PyTorchReference.RelativeL2(b, a);
        Assert.True(error <= 1e-6, $"relative L2 difference {error:E2}");
    }

    [Fact]
    public void Substituted_network_trains_forward_and_backward()
    {
        using var scope = torch.NewDisposeScope();
        using var model = new ResNet50SubstitutedPiX();
        model.train();
        var x = torch.randn(2, 3, 64, 64);
        var loss = model.forward(x).square().mean();
        loss.backward();
        Assert.All(model.parameters(), p => Assert.NotNull(p.grad));
    }
}
