using System;
using System.Linq;
using System.Reflection;
using PiXGen.Zoo;
using Xunit;

namespace PiXGen.Tests;

/// <summary>The rotating sample of the heaviest zoo networks (<see cref="ZooSample"/>).</summary>
public class ZooSampleTests
{
    /// <summary>Every skippable theory of this assembly by name: those that call <see cref="ZooSample.SkipUnlessSampled"/>
    /// and a few others, found by reading the test classes' methods, so a theory added to the sample is covered too.</summary>
    private static readonly string[] Theories = typeof(ZooSampleTests).Assembly.GetTypes()
        .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
        .Where(m => m.GetCustomAttributes().Any(a => a.GetType().Name == "SkippableTheoryAttribute"))
        .Select(m => m.Name).ToArray();

    [Fact]
    public void Every_sampled_network_is_a_zoo_network()
    {
        var zoo = ZooCatalog.Models.Select(m => m.Name).ToHashSet();
        Assert.All(ZooSample.Heavy, name => Assert.Contains(name, zoo));
        Assert.Equal(ZooSample.Heavy.Length, ZooSample.Heavy.Distinct().Count());
    }

    [Fact]
    public void Every_network_runs_in_every_theory_in_exactly_one_of_three_consecutive_rotations()
    {
        Assert.Contains("Logits_match_pytorch_under_the_deterministic_initialisation", Theories);
        Assert.Contains("Fuse_runs_every_network_on_onnx_runtime_within_1e_4_of_the_module", Theories);
        foreach (var theory in Theories)
            for (int place = 0; place < ZooSample.Heavy.Length; place++)
                Assert.Equal(1, Enumerable.Range(0, ZooSample.Rotations).Count(r => ZooSample.Runs(place, theory, r)));
        // Each rotation runs a third of the networks in each theory, so no theory loses a whole family on one day.
        foreach (var theory in Theories)
            for (int r = 0; r < ZooSample.Rotations; r++) {
                var running = Enumerable.Range(0, ZooSample.Heavy.Length).Where(p => ZooSample.Runs(p, theory, r)).ToArray();
                Assert.Equal(ZooSample.Heavy.Length / ZooSample.Rotations, running.Length);
                Assert.Contains(running, p => ZooSample.Heavy[p].StartsWith("vgg", StringComparison.Ordinal));
            }
    }

    [Fact]
    public void The_rotation_follows_the_day_unless_a_setting_names_one_or_all()
    {
        var day = new DateTime(2026, 12, 7, 23, 59, 0, DateTimeKind.Utc);
        int today = ZooSample.Rotation(null, null, day)!.Value;
        Assert.Equal(today, ZooSample.Rotation(null, "", day.Date));
        Assert.Equal((today + 1) % ZooSample.Rotations, ZooSample.Rotation(null, null, day.AddMinutes(2)));
        Assert.Equal(2, ZooSample.Rotation(null, " 2 ", day));
        Assert.Null(ZooSample.Rotation(null, "all", day));
        Assert.Null(ZooSample.Rotation("1", "0", day));
        Assert.Equal(0, ZooSample.Rotation("0", "0", day));
        var error = Assert.Throws<InvalidOperationException>(() => ZooSample.Rotation(null, "3", day));
        Assert.Contains(ZooSample.Variable, error.Message);
    }
}
