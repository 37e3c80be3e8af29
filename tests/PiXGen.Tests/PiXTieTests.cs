using System;
using System.Linq;
using PiXGen.Graph;
using PiXGen.PiX;
using TorchSharp;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace PiXGen.Tests;

/// <summary>
/// Issue 27: PiX's pick/mix decision at a tie. The weights and inputs below put the gate at τ = 0.5 up to float32
/// rounding — the exact logit is −2⁻²⁵, so sigmoid rounds to exactly 0.5 in float32 — and every path (the batched module,
/// batch 1, the graph executor, the fused network, both ONNX exports in ONNX Runtime) must take the branch of the
/// float64 logit: pick. A second sample sits exactly on the threshold (logit 0: mix) and a third just above it.
/// </summary>
public class PiXTieTests
{
    private const float Eps = 1.0f / (1 << 23);    // 2⁻²³

    /// <summary>PiX(2 → 1, ζ = 2) → BatchNorm → ReLU, with φ's weight [1, −(1 + 2⁻²³)] (one output channel).</summary>
    private static (nn.Module<Tensor, Tensor> module, NetworkGraph graph) Net(float w1)
    {
        var px = new PiXLayer(2, 2);
        using (no_grad()) px.Weight.copy_(tensor(new[] { 1f, w1 }).view(1, 2, 1, 1));
        var bn = nn.BatchNorm2d(1);
        using (no_grad()) { bn.weight!.fill_(1.5); bn.bias!.fill_(0.25); bn.running_mean!.fill_(0.1); bn.running_var!.fill_(0.8); }
        var module = nn.Sequential(("px", px), ("bn", bn), ("relu", nn.ReLU()));
        var g = new NetworkGraphBuilder("PiXTie", 2, 2, 2);
        var x = g.PiX(NetworkGraph.InputName, "px", 2);
        x = g.BN(x, "bn");
        x = g.Act(x, "relu", "ReLU");
        module.eval();
        return (module, g.Build(x));
    }

    /// <summary>Channel 0 {0.375, 0.125, 0.375, 0.125} and channel 1 {0.5, 0, 0.25, 0.25} both have mean 0.25 exactly
    /// (every sum is exact), times <paramref name="scale"/>; the group's max and mean differ, so the branch shows.</summary>
    private static Tensor Sample(float scale) =>
        tensor(new[] { 0.375f, 0.125f, 0.375f, 0.125f, 0.5f, 0f, 0.25f, 0.25f }).view(1, 2, 2, 2) * scale;

    [Fact]
    public void A_gate_at_tau_up_to_float_rounding_takes_the_float64_branch_on_every_path()
    {
        using var scope = NewDisposeScope();
        var (module, graph) = Net(-(1 + Eps));
        // Logit = 0.25 − 0.25·(1 + 2⁻²³) = −2⁻²⁵ exactly, in float32 and float64.
        var x = cat(new[] { Sample(1), randn(3, 2, 2, 2, generator: new Generator(3)) }, 0);
        var px = (PiXLayer)module.named_children().First().module;

        // The precondition that makes this a tie: the float32 gate, computed as before this rule, is exactly τ.
        var z = x.mean(new long[] { 2, 3 });
        var p32 = nn.functional.sigmoid(nn.functional.linear(z, px.Weight.view(1, 2)));
        Assert.Equal(0.5f, p32[0, 0].item<float>());

        // The decision: pick (p strictly below τ), by one unit in the last place at most.
        var p = px.probabilities(x);
        Assert.Equal(MathF.BitDecrement(0.5f), p[0, 0, 0, 0].item<float>());

        Tensor batched;
        using (no_grad()) batched = module.call(x);
        // Pick: max per pixel {0.5, 0.125, 0.375, 0.25}·p; mix would be the mean {0.4375, 0.0625, 0.3125, 0.1875}·p.
        var expectedPick = BnRelu(tensor(new[] { 0.5f, 0.125f, 0.375f, 0.25f }) * MathF.BitDecrement(0.5f));
        AssertClose(expectedPick, batched[0].flatten(), "module, batch 4");

        AssertSameOnEveryPath(module, graph, x, batched);
    }

    [Theory]
    [InlineData(-1.0f, false)]           // logit exactly 0: p = τ, not below it: mix on every path
    [InlineData(-(1 - Eps / 2), false)]  // logit +2⁻²⁶: mix
    [InlineData(-(1 + Eps), true)]       // logit −2⁻²⁵: pick
    public void Samples_at_the_threshold_agree_on_every_path(float w1, bool pick)
    {
        using var scope = NewDisposeScope();
        var (module, graph) = Net(w1);
        var x = cat(new[] { randn(2, 2, 2, 2, generator: new Generator(11)), Sample(1), Sample(4) }, 0);
        Tensor batched;
        using (no_grad()) batched = module.call(x);
        var px = (PiXLayer)module.named_children().First().module;
        var p = px.probabilities(x);
        foreach (int s in new[] { 2, 3 })
            Assert.Equal(pick, p[s, 0, 0, 0].item<float>() < 0.5f);
        AssertSameOnEveryPath(module, graph, x, batched);
    }

    private static Tensor BnRelu(Tensor y) => nn.functional.relu((y - 0.1f) / MathF.Sqrt(0.8f + 1e-5f) * 1.5f + 0.25f);

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        double diff = (expected.to(float64) - actual.to(float64)).abs().max().item<double>();
        Assert.True(diff <= 1e-6, $"{what}: max |difference| {diff:E2} (pick and mix differ by more than 0.01 here)");
    }

    /// <summary>Batch 1, the graph executor, the fused network and both ONNX exports give the batched module's output
    /// for every sample (to float32 rounding: the branches differ by more than 0.01).</summary>
    private static void AssertSameOnEveryPath(nn.Module<Tensor, Tensor> module, NetworkGraph graph, Tensor x, Tensor batched)
    {
        var executor = new GraphExecutor(graph, module.state_dict());
        using var fused = new FusedNetwork(graph, module.state_dict());
        Assert.Contains(fused.Graph.Nodes, n => n.Op == "PiX" && n.GetBool("epilogue"));
        var onnx = OnnxExporter.ToBytes(graph, module.state_dict());
        var f = GraphFusion.Fuse(graph, module.state_dict());
        var onnxFused = OnnxExporter.ToBytes(f.Graph, f.Weights);
        using (no_grad()) {
            for (long s = 0; s < x.shape[0]; s++) {
                var one = x.narrow(0, s, 1);
                AssertClose(batched[s], module.call(one)[0], $"sample {s}: module batch 1");
                AssertClose(batched[s], executor.Run(one)[0], $"sample {s}: graph executor batch 1");
                AssertClose(batched[s], fused.call(one)[0], $"sample {s}: fused batch 1");
                AssertClose(batched[s], OnnxExportTests.RunOnnx(onnx, one)[0], $"sample {s}: ONNX batch 1");
                AssertClose(batched[s], OnnxExportTests.RunOnnx(onnxFused, one)[0], $"sample {s}: ONNX fused batch 1");
            }
            AssertClose(batched, executor.Run(x), "graph executor, batched");
            AssertClose(batched, fused.call(x), "fused, batched");
            AssertClose(batched, OnnxExportTests.RunOnnx(onnx, x), "ONNX, batched");
            AssertClose(batched, OnnxExportTests.RunOnnx(onnxFused, x), "ONNX fused, batched");
        }
    }
}
