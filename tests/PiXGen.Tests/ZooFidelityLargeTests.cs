using System.Collections.Generic;
using System.Linq;
using Xunit.Abstractions;

namespace PiXGen.Tests;

/// <summary>
/// The second half of the largest networks' logits against PyTorch (<see cref="ZooFidelityTests.LargestSecond"/>),
/// in a class of its own so that xUnit runs it beside <see cref="ZooFidelityTests"/>'s half.
/// </summary>
public class ZooFidelityLargeTests(ITestOutputHelper log)
{
    public static IEnumerable<object[]> SecondHalf() => ZooFidelityTests.LargestSecond.Select(n => new object[] { n });

    /// <summary>One case per network, so that one can be run alone (<c>--filter "DisplayName~convnext_small"</c>).</summary>
    [Theory]
    [Trait("Category", "Slow")]
    [MemberData(nameof(SecondHalf))]
    public void Logits_of_the_second_half_of_the_largest_networks_match_pytorch(string name)
        => new ZooFidelityTests(log).AssertLogitsMatch(name, ZooFidelityTests.ReferenceOf(name));
}
