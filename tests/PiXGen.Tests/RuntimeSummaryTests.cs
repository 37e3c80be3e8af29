using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using PiXGen.Costs;
using PiXGen.Tests.Shared;
using PiXGen.Zoo;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PiXGen.Tests;

/// <summary>
/// The runtime summary (<c>module.Summary(shape)</c>, issue 11): figures measured by forward hooks on one real
/// forward pass, against the compiler's figures (a separate implementation: shape inference and cost model in the
/// generator), against the test suite's own hook counter, and against a small model computed by hand.
/// </summary>
public class RuntimeSummaryTests
{
    private static NetworkInfo Info(string name) => ZooCatalog.Models.Single(m => m.Name == name);

    [Theory]
    [InlineData("resnet18")]
    [InlineData("mobilenet_v2")]
    [InlineData("pix_resnet50")]
    [InlineData("se_resnet50")]
    public void Totals_and_every_layer_equal_the_compile_time_figures(string name)
    {
        var info = Info(name);
        using var model = info.Create();
        var summary = model.Summary(new long[] { 1 }.Concat(info.InputShape).ToArray());

        Assert.Equal(info.Parameters, summary.Parameters);
        Assert.Equal(info.Parameters, summary.TrainableParameters);
        Assert.Equal(info.Buffers, summary.Buffers);
        Assert.Equal(info.Macs, summary.Macs);
        Assert.Equal(MacCounter.Count(model, info.InputShape.ToArray()), summary.Macs);
        Assert.Equal(new long[] { 1 }.Concat(info.OutputShape), summary.OutputShape);

        // Every row of the compile-time report (layers, blocks, Sequentials) has a measured row with the same
        // output shape (batch 1 added), parameters and MACs. (A squeeze-excitation is one layer for the compiler
        // and a module with two Conv2d children at run time; its row sums them.)
        var measured = summary.Rows.ToDictionary(r => r.Path);
        foreach (var row in info.Cost!.Rows)
        {
            Assert.True(measured.TryGetValue(row.Path, out var m), $"{name}: no runtime row for '{row.Path}'");
            // The compile-time report leaves the shape of a container on a shortcut path empty.
            if (row.IsLeaf || row.OutputShape.Count > 0) Assert.Equal(new long[] { 1 }.Concat(row.OutputShape), m!.OutputShape);
            Assert.Equal(row.Parameters, m!.Parameters);
            Assert.Equal(row.Macs, m.Macs);
            Assert.Equal(row.Type == "PiX" ? nameof(PiXGen.PiX.PiXLayer) : row.Type, m.Type);
        }
    }

    [Fact]
    public void A_small_model_gets_the_shapes_parameters_and_macs_computed_by_hand()
    {
        // conv: 3→8, k3, stride 2, pad 1 on 10×10: ⌊(10 + 2·1 − 3)/2⌋ + 1 = 5.
        using var model = nn.Sequential(
            ("features", nn.Sequential(
                ("conv", nn.Conv2d(3, 8, 3, stride: 2, padding: 1)),
                ("bn", nn.BatchNorm2d(8)),
                ("relu", nn.ReLU()))),
            ("pool", nn.AdaptiveAvgPool2d(1)),
            ("flat", nn.Flatten()),
            ("fc", nn.Linear(8, 5)));
        var s = model.Summary(2, 3, 10, 10);

        long convOut = (10 + 2 * 1 - 3) / 2 + 1;
        long convParams = 8 * 3 * 3 * 3 + 8, bnParams = 8 + 8, fcParams = 8 * 5 + 5;
        long convMacs = 2 * 8 * convOut * convOut * (3 * 3 * 3); // every output element: Cin·k·k products
        long fcMacs = 2 * 5 * 8;
        var expected = new (string Path, string Type, int Depth, bool Leaf, long[] Shape, long Params, long Macs)[]
        {
            ("features", "Sequential", 0, false, new[] { 2, 8, convOut, convOut }, convParams + bnParams, convMacs),
            ("features.conv", "Conv2d", 1, true, new[] { 2, 8, convOut, convOut }, convParams, convMacs),
            ("features.bn", "BatchNorm2d", 1, true, new[] { 2, 8, convOut, convOut }, bnParams, 0),
            ("features.relu", "ReLU", 1, true, new[] { 2, 8, convOut, convOut }, 0, 0),
            ("pool", "AdaptiveAvgPool2d", 0, true, new[] { 2L, 8, 1, 1 }, 0, 0),
            ("flat", "Flatten", 0, true, new[] { 2L, 8 }, 0, 0),
            ("fc", "Linear", 0, true, new[] { 2L, 5 }, fcParams, fcMacs),
        };
        Assert.Equal(expected.Select(e => e.Path), s.Rows.Select(r => r.Path));
        foreach (var (e, r) in expected.Zip(s.Rows))
        {
            Assert.Equal(e.Type, r.Type);
            Assert.Equal(e.Depth, r.Depth);
            Assert.Equal(e.Leaf, r.IsLeaf);
            Assert.Equal(e.Shape, r.OutputShape);
            Assert.Equal(e.Params, r.Parameters);
            Assert.Equal(e.Macs, r.Macs);
            Assert.Equal(1, r.Calls);
        }
        Assert.Equal(new long[] { 2, 3, 10, 10 }, s.InputShape);
        Assert.Equal(new long[] { 2, 5 }, s.OutputShape);
        Assert.Equal(convParams + bnParams + fcParams, s.Parameters);
        Assert.Equal(8 + 8 + 1, s.Buffers); // running_mean, running_var, num_batches_tracked
        Assert.Equal(convMacs + fcMacs, s.Macs);

        var table = s.ToString();
        Assert.Contains("  features.conv", table);
        Assert.Contains("2×8×5×5", table);
        Assert.Contains($"MACs ({ModuleSummary.MacsConvention}): {(convMacs + fcMacs).ToString("N0", CultureInfo.InvariantCulture)}", table);
    }

    [Fact]
    public void A_transposed_convolution_counts_its_macs_as_docs_costs_defines_them()
    {
        // TorchSharp's ConvTranspose2d is not a Conv2d. Every input element is multiplied into a kh×kw window of
        // Cout/g outputs: Cin·(Cout/g)·kh·kw·Hin·Win per sample (docs/costs.md; PyTorch's flop counter / 2).
        // 4 → 6 channels, groups 2, kernel 3, stride 2 on 5×5, batch 2: 2 · 4 · 3 · 9 · 25 = 5,400.
        using var model = nn.Sequential(("up", nn.ConvTranspose2d(4, 6, 3, stride: 2, groups: 2)));
        var s = model.Summary(2, 4, 5, 5);
        long macs = 2 * 4 * (6 / 2) * 3 * 3 * 5 * 5;
        Assert.Equal(new long[] { 2, 6, 11, 11 }, s.Rows.Single().OutputShape); // (5 − 1)·2 + (3 − 1) + 1 = 11
        Assert.Equal(macs, s.Rows.Single().Macs);
        Assert.Equal(macs, s.Macs);
    }

    [Fact]
    public void A_linear_layer_over_a_channels_last_map_counts_in_times_out_at_every_position()
    {
        // Linear through its definition (LinearSpec): 4 → 6 features at each of the 3×5 positions of 2 samples, bias or not:
        // 2 · 3 · 5 · 4 · 6 = 720.
        using var model = nn.Sequential(("to_last", new PiXGen.Layers.Permute(0, 2, 3, 1)), ("fc", nn.Linear(4, 6)), ("fc2", nn.Linear(6, 6, hasBias: false)));
        var s = model.Summary(2, 4, 3, 5);
        Assert.Equal(new long[] { 2, 3, 5, 6 }, s.Rows[1].OutputShape);
        Assert.Equal(new long[] { 0, 2 * 3 * 5 * 4 * 6, 2 * 3 * 5 * 6 * 6 }, s.Rows.Select(r => r.Macs));
        Assert.Equal(2 * 3 * 5 * (4 * 6 + 6 * 6), s.Macs);
    }

    [Fact]
    public void A_module_called_twice_shows_both_calls_macs()
    {
        var shared = nn.Linear(4, 4);
        using var model = nn.Sequential(("a", shared), ("relu", nn.ReLU()));
        using var twice = new Twice(model);
        var s = twice.Summary(3, 4);
        var a = s.Rows.Single(r => r.Path == "inner.a");
        Assert.Equal(2, a.Calls);
        Assert.Equal(2 * (3 * 4 * 4), a.Macs);
        Assert.Equal(2 * (3 * 4 * 4), s.Macs);
    }

    [Fact]
    public void Hooks_are_removed_training_modes_restored_and_no_gradients_recorded()
    {
        using var model = nn.Sequential(("conv", nn.Conv2d(3, 4, 3)), ("bn", nn.BatchNorm2d(4)), ("relu", nn.ReLU()));
        model.train();
        var bn = (BatchNorm2d)model.named_modules().Single(m => m.name == "bn").module;
        var conv = (Conv2d)model.named_modules().Single(m => m.name == "conv").module;
        conv.eval(); // a mixed state must come back as it was
        bool? gradDuringForward = null;
        int userHookCalls = 0;
        conv.register_forward_hook((m, x, y) => { gradDuringForward = torch.is_grad_enabled(); userHookCalls++; return y; });
        var hooksBefore = HookCounts(model);
        var meanBefore = bn.running_mean!.clone();

        model.Summary(2, 3, 8, 8);

        Assert.False(gradDuringForward);
        Assert.True(torch.is_grad_enabled());
        Assert.Equal(1, userHookCalls);
        Assert.Equal(hooksBefore, HookCounts(model));
        Assert.True(model.training);
        Assert.False(conv.training);
        Assert.True(bn.training);
        // eval mode during the pass: BatchNorm's running statistics are untouched.
        Assert.True(bn.running_mean!.eq(meanBefore).all().item<bool>());
        Assert.All(model.parameters(), p => Assert.True(p.grad is null));

        using var _ = torch.no_grad();
        model.call(torch.randn(1, 3, 8, 8));
        Assert.Equal(2, userHookCalls); // the user's own hook stays
    }

    [Fact]
    public void A_failing_forward_names_the_module_and_still_cleans_up()
    {
        using var model = nn.Sequential(("flat", nn.Flatten()), ("fc", nn.Linear(7, 2)));
        model.train();
        var hooksBefore = HookCounts(model);
        var ex = Assert.Throws<ArgumentException>(() => model.Summary(1, 2, 2, 2));
        Assert.Contains("in fc (Linear)", ex.Message);
        Assert.Contains("1×2×2×2", ex.Message);
        Assert.Equal(hooksBefore, HookCounts(model));
        Assert.True(model.training);
    }

    [Fact]
    public void A_shape_that_is_not_positive_is_an_argument_error()
    {
        using var model = nn.Sequential(("fc", nn.Linear(2, 2)));
        var ex = Assert.Throws<ArgumentException>(() => model.Summary(1, 0));
        Assert.Contains("(1, 0)", ex.Message);
        Assert.Throws<ArgumentException>(() => model.Summary());
    }

    /// <summary>Calls its inner module twice.</summary>
    private sealed class Twice : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> inner;
        public Twice(nn.Module<Tensor, Tensor> inner) : base(nameof(Twice)) { this.inner = inner; RegisterComponents(); }
        public override Tensor forward(Tensor x) => inner.call(inner.call(x));
    }

    /// <summary>The number of forward pre-hooks and hooks registered on every module (TorchSharp keeps them in private dictionaries).</summary>
    private static List<int> HookCounts(nn.Module model)
    {
        var counts = new List<int>();
        foreach (var (_, m) in model.named_modules())
            foreach (var field in new[] { "module_pre_hooks", "module_post_hooks" })
            {
                FieldInfo? f = null;
                for (var t = m.GetType(); t is not null && f is null; t = t.BaseType)
                    f = t.GetField(field, BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public);
                Assert.True(f is not null, $"TorchSharp has no field {field} on {m.GetType().Name}; update the test");
                counts.Add(((ICollection)f!.GetValue(m)!).Count);
            }
        return counts;
    }
}
