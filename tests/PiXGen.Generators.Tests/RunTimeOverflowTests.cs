using System;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using static PiXGen.Generators.Tests.Sources;

namespace PiXGen.Generators.Tests;

/// <summary>
/// Compile time and run time agree on overflow: the compiler checks the default arguments' arithmetic in the types the
/// generated code uses (PIX0003), and the generated constructor computes the same expressions over its arguments in
/// <c>checked</c> context, so other arguments that overflow throw, naming the class, the setting and the expression,
/// instead of building a network from wrapped values.
/// </summary>
public class RunTimeOverflowTests
{
    private const string Declarations = """
        [Block]
        public partial class Widen
        {
            [Arg] readonly int k;
            [Arg(1)] readonly int m;
            [Let("in * m")] readonly int spread;
            [Conv2d("k * k / k + spread", Kernel = 1)] readonly Conv2d conv;
        }
        [Network(Input = "3x8x8")]
        public partial class Wide
        {
            [Arg(DEFAULT_K)] readonly int k;
            [Arg(2)] readonly int m;
            [Arg(1)] readonly int extra;
            [Use(typeof(Widen), "k: k, m: m")] readonly Widen block;
            [Conv2d("extra + 1", Kernel = 1)] readonly Conv2d head;
        }
        """;

    [Fact]
    public void Arithmetic_over_arguments_is_checked_at_run_time_and_names_the_setting()
    {
        var run = GeneratorHarness.Run(Src(Declarations.Replace("DEFAULT_K", "4"))).AssertCompilesCleanly();
        var block = run.File("Demo.Widen.g.cs").Text;
        Assert.Contains("global::PiXGen.Runtime.PyMath.Checked(() => checked(this.k * this.k / this.k + this.spread), \"Widen, conv: k * k / k + spread\")", block);
        Assert.Contains("this.spread = global::PiXGen.Runtime.PyMath.Checked(() => checked((int)(in_channels * this.m)), \"Widen, [Let] spread: in * m\");", block);
        var assembly = RuntimeCheck.Load(run);
        using (var model = RuntimeCheck.Check(assembly, "Demo.Wide")) { }   // k = 4, m = 2, extra = 1: 3·2 + 4 = 10 channels, then 2

        var ctor = assembly.GetType("Demo.Wide")!.GetConstructors().Single();
        Exception Build(int k, int m, int extra = 1) => Assert.Throws<TargetInvocationException>(() => ctor.Invoke(new object[] { k, m, extra })).InnerException!;

        // k·k = 2^32 does not fit in an int: unchecked, the conv would get 0 / k + 6 = 6 channels.
        var overflow = Assert.IsType<OverflowException>(Build(65536, 2));
        Assert.Contains("Widen, conv: k * k / k + spread", overflow.Message);
        // in·m = 3·2^30 does not fit in the int let (in is a long: the narrowing is checked).
        Assert.Contains("Widen, [Let] spread: in * m", Assert.IsType<OverflowException>(Build(4, 1 << 30)).Message);
        // The network's own setting: extra + 1 with extra = int.MaxValue.
        Assert.Contains("Wide, head: extra + 1", Assert.IsType<OverflowException>(Build(4, 2, int.MaxValue)).Message);
    }

    [Fact]
    public void The_same_overflow_in_a_default_argument_is_pix0003_at_compile_time()
    {
        var run = GeneratorHarness.Run(Src(Declarations.Replace("DEFAULT_K", "65536")));
        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0003");
        Assert.Contains("integer overflow: 'k * k' is 4,294,967,296, which does not fit in an int", d.GetMessage());
    }
}
