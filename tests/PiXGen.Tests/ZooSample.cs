using System;
using System.Linq;
using System.Runtime.CompilerServices;
using Xunit;

namespace PiXGen.Tests;

/// <summary>
/// The rotating sample of the heaviest zoo networks in the zoo-wide theories, so that the README's test command stays
/// near 20 minutes on CI's two cores. In CI's results of 7 December (commit bbe34a6) the nine VGG networks,
/// RegNetY-128GF, EfficientNetV2-L and ConvNeXt-Large took 1,250 of the 2,020 test-seconds of the per-network cases
/// (VGG's logits 30–42 s each, RegNetY-128GF 15–26 s in each of seven theories). Each of those theories runs a third of
/// these networks in a run, a different third in each of three consecutive rotations, and each network a different
/// third of the theories, so every (network, theory) pair runs once in any three consecutive days; every other network
/// runs in every run. The rotation is the day (UTC) unless <see cref="Variable"/> names one (0, 1 or 2) or says
/// <c>all</c>; <see cref="ZooFidelityTests.HeavyVariable"/>=1 also runs all of them. A sampled-out case is reported
/// as skipped, with the setting that runs it.
/// </summary>
internal static class ZooSample
{
    /// <summary>Set to 0, 1 or 2 to choose the rotation, or to <c>all</c> to run every heavy network in every theory.</summary>
    public const string Variable = "PIXGEN_TEST_ROTATION";

    /// <summary>How many rotations it takes to run every (network, theory) pair once.</summary>
    public const int Rotations = 3;

    /// <summary>The sampled networks, in a fixed order (a network's place in it chooses its rotations).</summary>
    internal static readonly string[] Heavy =
    {
        "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn", "vgg16_downscale2",
        "regnet_y_128gf", "efficientnet_v2_l", "convnext_large",
    };

    /// <summary>Skips the calling theory's case for <paramref name="name"/> unless this run's rotation includes it.</summary>
    public static void SkipUnlessSampled(string name, [CallerMemberName] string theory = "")
    {
        int place = Array.IndexOf(Heavy, name);
        if (place < 0) return;
        int? rotation = Rotation();
        if (rotation is null) return;
        Skip.IfNot(Runs(place, theory, rotation.Value),
            $"{name} is sampled out of {theory} in rotation {rotation} of {Rotations} (tests/PiXGen.Tests/ZooSample.cs); " +
            $"{Variable}=all or {ZooFidelityTests.HeavyVariable}=1 runs it");
    }

    /// <summary>Whether the network at <paramref name="place"/> in <see cref="Heavy"/> runs in <paramref name="theory"/>
    /// in <paramref name="rotation"/>: exactly one of any <see cref="Rotations"/> consecutive rotations.</summary>
    internal static bool Runs(int place, string theory, int rotation) =>
        (place + TheoryOffset(theory) + rotation) % Rotations == 0;

    /// <summary>This run's rotation, or null when every heavy network runs.</summary>
    internal static int? Rotation() =>
        Rotation(Environment.GetEnvironmentVariable(ZooFidelityTests.HeavyVariable), Environment.GetEnvironmentVariable(Variable), DateTime.UtcNow);

    /// <summary>The rotation for these settings of <see cref="ZooFidelityTests.HeavyVariable"/> and
    /// <see cref="Variable"/> at <paramref name="utcNow"/>: null runs every heavy network; a bad setting is an error
    /// naming the variable.</summary>
    internal static int? Rotation(string? heavy, string? setting, DateTime utcNow)
    {
        if (heavy == "1") return null;
        setting = (setting ?? "").Trim();
        if (setting == "") return (int)(utcNow.Date.Ticks / TimeSpan.TicksPerDay % Rotations);
        if (setting.Equals("all", StringComparison.OrdinalIgnoreCase)) return null;
        if (int.TryParse(setting, out int r) && r >= 0 && r < Rotations) return r;
        throw new InvalidOperationException($"{Variable}={setting}: expected 0, 1, 2 or all.");
    }

    // A stable number per theory (string.GetHashCode differs between processes).
    private static int TheoryOffset(string theory) => theory.Aggregate(0, (h, ch) => (h * 31 + ch) % Rotations);
}
