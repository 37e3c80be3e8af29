using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using PiXGen.Generators;

namespace PiXGen.Benchmarks;

/// <summary>
/// The generator's speed on the zoo: the declarations of examples/PiXGen.Zoo/Models compiled in memory, the generator run
/// in-process with a fresh driver each round (so nothing is cached) after warm-up rounds, and per network the median time of
/// its analysis step (shape inference, passes, emission of module, costs, graph and CUDA kernels), read from the driver's
/// step timings, plus the whole run. <c>dotnet run -c Release --project tests/PiXGen.Benchmarks -- --generator [--rounds N]</c>.
/// </summary>
public static class GeneratorBenchmark
{
    public static int Run(string[] args)
    {
        int r = Array.IndexOf(args, "--rounds");
        int rounds = r >= 0 && r + 1 < args.Length ? int.Parse(args[r + 1], CultureInfo.InvariantCulture) : 15;
        var models = FindModels();
        if (models is null)
        {
            Console.Error.WriteLine("error: examples/PiXGen.Zoo/Models not found; run from the repository.");
            return 1;
        }
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = Directory.GetFiles(models, "*.cs").OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), parse, f)).ToList();
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Concat(new[] { typeof(PiXGen.NetworkAttribute).Assembly.Location, typeof(TorchSharp.torch).Assembly.Location })
            .Distinct().Select(p => MetadataReference.CreateFromFile(p)).ToList();
        var compilation = CSharpCompilation.Create("Zoo", trees, references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

        var perNetwork = new Dictionary<string, List<double>>();
        var whole = new List<double>();
        for (int round = 0; round < rounds + 3; round++)
        {
            GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new PiXGenGenerator().AsSourceGenerator() }, parseOptions: parse,
                driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
            var sw = System.Diagnostics.Stopwatch.StartNew();
            driver = driver.RunGenerators(compilation);
            sw.Stop();
            if (round < 3) continue; // warm-up: JIT and Roslyn caches
            whole.Add(sw.Elapsed.TotalMilliseconds);
            var result = driver.GetRunResult().Results.Single();
            foreach (var step in result.TrackedSteps[PiXGenGenerator.Steps.AnalyseNetworks])
            {
                var name = step.Outputs.Select(o => o.Value).OfType<GenerationResult>().FirstOrDefault()?.HintName.Replace(".g.cs", "") ?? "?";
                if (!perNetwork.TryGetValue(name, out var list)) perNetwork[name] = list = new List<double>();
                list.Add(step.ElapsedTime.TotalMilliseconds);
            }
        }
        Console.WriteLine($"PiXGen generator on the zoo ({perNetwork.Count} networks, {trees.Count} files): median of {rounds} cold-driver runs after 3 warm-up runs, in-process");
        Console.WriteLine($"{"network",-44} {"median ms",10} {"max ms",8}");
        foreach (var (name, times) in perNetwork.OrderByDescending(kv => Median(kv.Value)))
            Console.WriteLine($"{name,-44} {Median(times),10:F2} {times.Max(),8:F2}");
        Console.WriteLine($"{"whole generator run (all steps)",-44} {Median(whole),10:F2} {whole.Max(),8:F2}");
        return 0;
    }

    private static double Median(List<double> xs)
    {
        var s = xs.OrderBy(x => x).ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }

    private static string? FindModels()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "examples", "PiXGen.Zoo", "Models");
            if (Directory.Exists(candidate)) return candidate;
        }
        return null;
    }
}
