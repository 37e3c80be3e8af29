using System;
using System.Collections.Generic;
using System.Linq;
using PiXGen.Tests.Reference;
using PiXGen.Zoo;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Tests;

/// <summary>
/// Issue 16's training-step fidelity: from the deterministic reference weights, in eval mode (BatchNorm frozen),
/// one SGD step (lr 0.1, no momentum) on cross-entropy gives PyTorch's per-parameter updates
/// (Fixtures/init/sgd-step.json, tools/init/make_sgd_step.py, computed in float64 on the float32 weights).
/// </summary>
/// <remarks>
/// The fixture keeps per parameter the L2 norm of the update and its values at 16 flat indices; the test checks
/// both. float32 runs are held to the relative L2 ≤ 1e-4 (PyTorch's own float32 stays within 4.2e-5 of
/// the float64 reference for these networks); float64 runs to 1e-8. PiX-ResNet-50 runs in float64 only: its Pick
/// sends the gradient to the arg-max channel of each group, and at this input some groups have their two largest
/// values 1e-5 apart (relative), so float32 rounding moves gradients to another channel — PyTorch's own float32
/// step differs from its float64 one by 3.5e-3. In float64 the comparison checks PiX's custom backward exactly.
/// </remarks>
public class SgdStepTests
{
    public static IEnumerable<object[]> Cases() => new[] {
        new object[] { "resnet18", "float32" },
        new object[] { "resnet50", "float32" },
        new object[] { "mobilenet_v2", "float32" },
        new object[] { "resnet18", "float64" },
        new object[] { "mobilenet_v2", "float64" },
        new object[] { "pix_resnet50", "float64" },
        // The same steps on a channels-last batch (PiXGen.Platform.ChannelsLast, what Trainer gives the network where
        // oneDNN trains): every layer then runs in that format, PiX's kernel included. ResNet-50 in float64: libtorch's
        // native channels-last float32 kernels (those that run where oneDNN is off) round several times more than its
        // NCHW ones (PyTorch 1.13's do too: ~3e-3 from float64 on conv1's gradient), too much for this comparison.
        new object[] { "mobilenet_v2", "float32", true },
        new object[] { "resnet50", "float64", true },
        new object[] { "pix_resnet50", "float64", true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void One_sgd_step_in_eval_mode_updates_every_parameter_like_pytorch(string name, string dtypeName, bool channelsLast = false)
    {
        var dtype = dtypeName == "float64" ? ScalarType.Float64 : ScalarType.Float32;
        double tolerance = dtype == ScalarType.Float64 ? 1e-8 : 1e-4;
        var fixture = InitFixtures.SgdStepReference;
        var reference = fixture.Models[name];

        using var scope = torch.NewDisposeScope();
        using var model = (ZooCatalog.Find(name) ?? throw new InvalidOperationException($"zoo network {name} not found")).Create();
        PyTorchReference.Initialise(model);
        model.to(dtype);
        model.eval();

        var shape = fixture.InputShape;
        using var nchw = PyTorchReference.Input(shape[0], shape[1], shape[2], shape[3]).to(dtype);
        using var input = channelsLast ? PiXGen.Platform.ChannelsLast.To(nchw) : nchw.alias();
        Assert.Equal(channelsLast, PiXGen.Platform.ChannelsLast.Is(input));
        using var targets = torch.tensor(fixture.Targets);
        var parameters = model.named_parameters().ToList();
        var before = parameters.ToDictionary(p => p.name, p => p.parameter.detach().clone());

        using var optimizer = torch.optim.SGD(model.parameters(), fixture.LearningRate);
        optimizer.zero_grad();
        var loss = nn.functional.cross_entropy(model.forward(input), targets);
        loss.backward();
        optimizer.step();

        double lossValue = loss.to(ScalarType.Float64).item<double>();
        double lossError = Math.Abs(lossValue - reference.Loss) / Math.Abs(reference.Loss);
        Assert.True(lossError <= tolerance, $"{name} ({dtypeName}): loss {lossValue} vs PyTorch {reference.Loss} (relative {lossError:E2})");

        Assert.Equal(reference.Parameters.Select(p => p.Key).OrderBy(k => k, StringComparer.Ordinal),
                     parameters.Select(p => p.name).OrderBy(k => k, StringComparer.Ordinal));
        var failures = new List<string>();
        foreach (var expected in reference.Parameters) {
            var parameter = parameters.Single(p => p.name == expected.Key).parameter;
            // SGD without momentum applies exactly −lr·grad ...
            using var stepped = before[expected.Key].add(parameter.grad!, alpha: -fixture.LearningRate);
            if (!InitFixtures.Identical(parameter, stepped)) failures.Add($"{expected.Key}: the optimiser did not apply −lr·grad");
            // ... which is compared with PyTorch's (kept as −lr·grad: after − before would cancel digits away)
            using var update = (parameter.grad! * -fixture.LearningRate).to(ScalarType.Float64).flatten();
            double norm = update.norm().item<double>();
            double normError = Math.Abs(norm - expected.Norm) / expected.Norm;
            if (normError > tolerance) failures.Add($"{expected.Key}: ‖update‖ {norm:E6}, PyTorch {expected.Norm:E6} (relative {normError:E2})");
            var values = update.data<double>();
            double num = 0, den = 0;
            for (int i = 0; i < expected.Indices.Length; i++) {
                double d = values[expected.Indices[i]] - expected.Values[i];
                num += d * d;
                den += expected.Values[i] * expected.Values[i];
            }
            // sampled values that are all zero (a saturated softmax's bias) are compared against the whole update's norm
            double sampleError = den > 0 ? Math.Sqrt(num / den) : Math.Sqrt(num) / expected.Norm;
            if (sampleError > tolerance) failures.Add($"{expected.Key}: sampled updates relative L2 {sampleError:E2}");
        }
        Assert.True(failures.Count == 0,
            $"{name} ({dtypeName}): {failures.Count} of {reference.Parameters.Count} parameters differ from PyTorch:\n" + string.Join("\n", failures.Take(20)));
    }
}
