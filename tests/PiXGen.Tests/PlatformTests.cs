using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Threading;
using PiXGen.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Tests;

public class PlatformTests
{
    [Fact]
    public void Generated_networks_apply_the_onednn_decision_and_libtorch_reflects_it()
    {
        using var model = new PiXGen.Zoo.ResNet18();
        bool cacheInfoMissing = !Directory.Exists("/sys/devices/system/cpu/cpu0/cache")
            && System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Linux);
        if (System.Environment.GetEnvironmentVariable("PIXGEN_MKLDNN") is null)
            Assert.Equal(cacheInfoMissing, TorchPlatform.MkldnnDisabled);
        if (TorchPlatform.MkldnnDisabled) Assert.False(TorchPlatform.MkldnnEnabled());
    }

    [Theory]
    [InlineData(24, 8)]
    [InlineData(40, 4)]
    [InlineData(28, 12)]
    [InlineData(16, 12)]
    public void A_convolution_in_a_generated_inference_forward_matches_the_same_convolution_as_a_matrix_product(int inChannels, int outChannels)
    {
        // On an AVX-512 VM without CPU cache information, oneDNN's direct 3×3 convolution gave outputs off by up to 12
        // (of about 50) for input channels over 16 and not a multiple of 16, inside generated inference forwards (where
        // oneDNN was kept on such machines before). The reference is im2col and a matrix product, which oneDNN's
        // convolution does not run.
        TorchPlatform.EnsureInitialized();
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(7);
        var x = torch.randn(2, inChannels, 12, 12);
        var w = torch.randn(outChannels, inChannels, 3, 3);
        using var _ = torch.no_grad();
        Tensor y;
        using (TorchPlatform.InferenceScope())
            y = nn.functional.conv2d(x, w, padding: new long[] { 1, 1 });
        var columns = nn.functional.unfold(x, 3, padding: 1);                       // N × (C·9) × (12·12)
        var expected = w.view(outChannels, -1).matmul(columns).view(2, outChannels, 12, 12);
        double error = (y - expected).abs().max().item<float>(), scale = expected.abs().max().item<float>();
        Assert.True(error <= 1e-4 * scale, $"{inChannels} → {outChannels} channels: max |difference| {error:G3} (outputs up to {scale:G3}); {TorchPlatform.Reason}");
    }

    [Fact]
    public void Strided_1x1_convolution_backward_runs()
    {
        // Crashed the process with SIGFPE inside oneDNN on VMs without CPU cache information before the fix.
        TorchPlatform.EnsureInitialized();
        using var scope = torch.NewDisposeScope();
        using var conv = nn.Conv2d(512, 1024, 1, stride: 2, bias: false);
        var x = torch.randn(new long[] { 2, 512, 8, 8 }, requires_grad: true);
        conv.call(x).sum().backward();
        Assert.Equal(new long[] { 2, 512, 8, 8 }, x.grad!.shape);
    }

    [Fact]
    public void EnsureInitialized_from_many_threads_returns_only_after_onednn_is_disabled_and_says_so_once()
    {
        var log = new StringWriter();
        int switchCalls = 0;
        bool switchedOff = false;
        var decision = new OneDnnDecision(() => null, () => true, enabled =>
        {
            Interlocked.Increment(ref switchCalls);
            Thread.Sleep(100); // holds the first caller inside the decision while the others arrive
            switchedOff = !enabled;
            return true;
        }, TextWriter.Synchronized(log));

        var seen = new ConcurrentBag<(bool SwitchedOff, bool Disabled, string Reason)>();
        using var start = new ManualResetEventSlim();
        var threads = Enumerable.Range(0, 8).Select(_ => new Thread(() =>
        {
            start.Wait();
            decision.EnsureInitialized();
            seen.Add((Volatile.Read(ref switchedOff), decision.Disabled, decision.Reason));
        })).ToList();
        threads.ForEach(t => t.Start());
        start.Set();
        threads.ForEach(t => t.Join());

        Assert.Equal(1, switchCalls);
        Assert.Equal(8, seen.Count);
        Assert.All(seen, s =>
        {
            Assert.True(s.SwitchedOff, "a caller returned before libtorch's oneDNN switch was turned off");
            Assert.True(s.Disabled);
            Assert.Contains("/sys/devices/system/cpu/cpu0/cache is missing", s.Reason);
        });
        var line = Assert.Single(log.ToString().Split('\n', System.StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("PiXGen: oneDNN disabled", line);
        Assert.Contains("/sys/devices/system/cpu/cpu0/cache is missing", line);
        Assert.Contains("PIXGEN_MKLDNN=1", line);
    }

    [Theory]
    [InlineData("0", false, true, "PIXGEN_MKLDNN=0", "PiXGen: oneDNN disabled")]
    [InlineData("1", true, false, "PIXGEN_MKLDNN=1", "PiXGen: oneDNN kept")]
    [InlineData(null, true, true, "cpu0/cache is missing", "PiXGen: oneDNN disabled")]
    [InlineData("inference", false, true, "PIXGEN_MKLDNN=inference", "PiXGen: oneDNN kept for the inference forwards of generated networks only")]
    [InlineData("yes", false, false, "PIXGEN_MKLDNN='yes' ignored: it takes 0, 1 or inference", "PiXGen: oneDNN kept: CPU cache information is available (PIXGEN_MKLDNN='yes' ignored")]
    [InlineData(null, false, false, "CPU cache information is available", "PiXGen: oneDNN kept: CPU cache information is available")]
    public void The_onednn_decision_follows_the_setting_then_the_cache_information(
        string? setting, bool cacheInfoMissing, bool disabled, string reason, string message)
    {
        var log = new StringWriter();
        var switched = new System.Collections.Generic.List<bool>();
        var decision = new OneDnnDecision(() => setting, () => cacheInfoMissing, enabled => { switched.Add(enabled); return true; }, log);
        decision.EnsureInitialized();
        decision.EnsureInitialized();

        Assert.Equal(disabled, decision.Disabled);
        Assert.Contains(reason, decision.Reason);
        Assert.Equal(disabled ? new[] { false } : System.Array.Empty<bool>(), switched);
        var lines = log.ToString().Split('\n', System.StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith(message, Assert.Single(lines)); // stated once, whatever the decision
    }

    [Fact]
    public void A_libtorch_without_the_switch_is_reported_and_not_counted_as_disabled()
    {
        var log = new StringWriter();
        var decision = new OneDnnDecision(() => null, () => true, _ => false, log);
        decision.EnsureInitialized();
        Assert.False(decision.Disabled);
        Assert.StartsWith("PiXGen: oneDNN could not be disabled", log.ToString());
    }

    [Theory]
    [InlineData(null, true, false)]         // no cache information: disabled everywhere
    [InlineData("inference", false, true)]
    [InlineData("0", true, false)]          // disabled everywhere: inference forwards too
    [InlineData(null, false, false)]        // kept: nothing to switch
    public void Inference_scopes_turn_onednn_on_only_for_forwards_without_a_graph_and_off_after_the_last(
        string? setting, bool cacheInfoMissing, bool inferenceOnly)
    {
        var switched = new System.Collections.Generic.List<bool>();
        var decision = new OneDnnDecision(() => setting, () => cacheInfoMissing, enabled => { switched.Add(enabled); return true; }, new StringWriter());
        decision.EnsureInitialized();
        switched.Clear();
        Assert.Equal(inferenceOnly, decision.InferenceOnly);

        using (decision.EnterInference(gradEnabled: true)) { }    // a training forward: never switched on
        Assert.Empty(switched);

        var outer = decision.EnterInference(gradEnabled: false);
        var inner = decision.EnterInference(gradEnabled: false); // a second inference forward (nested or another thread)
        Assert.Equal(inferenceOnly ? new[] { true } : System.Array.Empty<bool>(), switched);
        inner.Dispose();
        Assert.Equal(inferenceOnly ? new[] { true } : System.Array.Empty<bool>(), switched); // still one running
        outer.Dispose();
        Assert.Equal(inferenceOnly ? new[] { true, false } : System.Array.Empty<bool>(), switched);
    }

    [Fact]
    public void A_generated_network_trains_after_an_inference_forward_with_onednn_off_again()
    {
        // Whatever this machine decided: after a no_grad forward of a generated network, libtorch's switch is back to
        // the process-wide decision, so a backward (here the strided 1×1 convolution that crashed) never runs inside
        // an inference scope.
        using var scope = torch.NewDisposeScope();
        using var model = new PiXGen.Zoo.ResNet18();
        model.eval();
        using (torch.no_grad()) model.call(torch.randn(1, 3, 64, 64));
        if (TorchPlatform.MkldnnDisabled) Assert.False(TorchPlatform.MkldnnEnabled());
        model.train();
        model.call(torch.randn(2, 3, 64, 64)).sum().backward();
        Assert.NotNull(model.parameters().First().grad);
    }
}
