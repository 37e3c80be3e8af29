using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using PiXGen.Layers;

namespace PiXGen.Tests;

/// <summary>
/// EfficientNet-B0's stochastic depth ramps like torchvision's (<c>[StochasticDepth(0.2, Step = "id", Steps = 16)]</c>):
/// every block that applies stochastic depth has the probability torchvision 0.14.1 gives the module of the same path
/// (Reference/efficientnet_b0_stochastic_depth.json, written by tools/reference/stochastic_depth.py).
/// </summary>
public class ZooStochasticDepthTests
{
    [Fact]
    public void EfficientNetB0_drop_probabilities_are_torchvisions_ramp()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reference", "efficientnet_b0_stochastic_depth.json")));
        var expected = doc.RootElement.GetProperty("stochastic_depth_p").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());

        using var model = new PiXGen.Zoo.EfficientNetB0();
        var ours = model.named_modules().Where(m => m.module is StochasticDepth).Select(m => (m.name, ((StochasticDepth)m.module).P)).ToList();

        // torchvision builds the module in every block and applies it only with the residual; the generated network
        // builds it only where it is applied (the stride-1 blocks that keep their channels): 9 of the 16.
        Assert.Equal(9, ours.Count);
        Assert.Equal(16, expected.Count);
        foreach (var (name, p) in ours)
        {
            Assert.True(expected.TryGetValue(name, out var reference), $"torchvision has no stochastic depth module at {name}");
            Assert.Equal(reference, p, 12);
        }
        Assert.Contains(ours, o => o.P > 0.1); // the ramp, not a constant
    }
}
