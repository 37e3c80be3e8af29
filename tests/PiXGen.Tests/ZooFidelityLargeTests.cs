using Xunit.Abstractions;

namespace PiXGen.Tests;

/// <summary>
/// The second half of the largest networks' logits against PyTorch (<see cref="ZooFidelityTests.LargestSecond"/>),
/// in a class of its own so that xUnit runs it beside <see cref="ZooFidelityTests"/>'s half.
/// </summary>
public class ZooFidelityLargeTests(ITestOutputHelper log)
{
    [Fact]
    [Trait("Category", "Slow")]
    public void Logits_of_the_second_half_of_the_largest_networks_match_pytorch()
    {
        var checks = new ZooFidelityTests(log);
        foreach (var name in ZooFidelityTests.LargestSecond)
            checks.AssertLogitsMatch(name, ZooFidelityTests.ReferenceOf(name));
    }
}
