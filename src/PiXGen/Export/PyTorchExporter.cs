using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using PiXGen.Graph;
using PiXGen.Init;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PiXGen.Export;

/// <summary>
/// The PyTorch backend: writes a generated network as a self-contained Python module, <c>&lt;name&gt;.py</c>, plus its
/// manifest, <c>&lt;name&gt;.manifest.json</c>, from the compiler's <see cref="NetworkGraph"/> (the ops and their
/// semantics are those of <see cref="GraphExecutor"/> and <see cref="OnnxExporter"/>) and the module's state_dict (keys,
/// shapes, dtypes, order). The Python needs nothing beyond <c>torch</c> ≥ 1.13: <c>build()</c> returns the network with
/// the same state_dict keys, shapes and dtypes and the same initialisation scheme (the [Init] plan the constructor
/// applied, per tensor); PiX is a <c>torch.autograd.Function</c> with the official kernel's backward. See
/// docs/scale-out.md.
/// </summary>
/// <remarks>
/// The nn.Module hierarchy follows the module paths of the graph's nodes. A module path whose nodes form one
/// single-entry, single-exit stretch of the graph becomes a class with its own <c>forward</c> (a block: one class per
/// distinct structure, named after the TorchSharp module's type), or an <c>nn.Sequential</c> when it is a chain of
/// children numbered 0…n−1; any other path becomes a class that only holds its children, and its ops are written
/// inline in the enclosing forward.
/// </remarks>
public static class PyTorchExporter
{
    /// <summary>The manifest's format version.</summary>
    public const int ManifestVersion = 1;

    /// <summary>The file names the export writes for <paramref name="name"/>.</summary>
    public static (string Python, string Manifest) FileNames(string name) => (name + ".py", name + ".manifest.json");

    /// <summary>
    /// Writes <c>&lt;dir&gt;/&lt;name&gt;.py</c> and <c>&lt;dir&gt;/&lt;name&gt;.manifest.json</c> (the folder is created).
    /// <paramref name="name"/> defaults to the graph's network name; it must be a Python module name.
    /// </summary>
    /// <returns>The path of the Python file.</returns>
    /// <exception cref="ArgumentException">The module has no graph, its state_dict holds a tensor no graph node reads,
    /// a node has no PyTorch form, or the name is not a Python identifier; the message names the node or key.</exception>
    public static string Export(nn.Module module, string directory, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(directory);
        if (module is not IHasGraph withGraph)
            throw new ArgumentException($"{module.GetType().Name} has no compiler graph (it does not implement IHasGraph), so it cannot be exported to PyTorch.", nameof(module));
        var graph = withGraph.Graph;
        name ??= graph.Network.ToLowerInvariant();
        if (!PythonWriter.IsIdentifier(name))
            throw new ArgumentException($"'{name}' cannot be a Python module name: use letters, digits and '_', not starting with a digit.", nameof(name));
        var (python, manifest) = Render(module, graph, name);
        Directory.CreateDirectory(directory);
        var (py, json) = FileNames(name);
        AtomicFile.WriteAllText(Path.Combine(directory, json), manifest);
        string pyPath = Path.Combine(directory, py);
        AtomicFile.WriteAllText(pyPath, python);
        return pyPath;
    }

    /// <summary>Writes the network as PyTorch (<see cref="Export(nn.Module, string, string?)"/>).</summary>
    public static string ExportPyTorch(this IHasGraph module, string directory, string? name = null) =>
        Export(module as nn.Module ?? throw new ArgumentException($"{module?.GetType().Name ?? "null"} is not a TorchSharp module.", nameof(module)), directory, name);

    /// <summary>The Python source and the manifest JSON of <paramref name="module"/>.</summary>
    public static (string Python, string Manifest) Render(nn.Module module, NetworkGraph graph, string name)
    {
        GraphOps.Validate(graph);
        using var scope = NewDisposeScope();
        var stateDict = module.state_dict().Select(kv => new StateEntry(kv.Key, kv.Value.shape, DtypeName(kv.Value.dtype))).ToList();
        var modules = module.named_modules().Where(m => m.name.Length > 0).ToDictionary(m => m.name, m => m.module, StringComparer.Ordinal);
        var plan = Initializer.PlanOf(module);
        var manifest = new Manifest(ManifestVersion, graph.Network, name, graph.InputShape, graph.Nodes.Count > 0 ? ShapeOfOutput(graph) : graph.InputShape,
                                    plan?.Scheme ?? InitSchemes.TorchSharpDefault, plan?.Seed, stateDict);
        var python = new PythonWriter(graph, name, stateDict, modules, plan, manifest).Write();
        return (python, JsonSerializer.Serialize(manifest, JsonOptions));
    }

    /// <summary>Reads a manifest written by <see cref="Export(nn.Module, string, string?)"/>.</summary>
    public static Manifest ReadManifest(string path)
    {
        try {
            return JsonSerializer.Deserialize<Manifest>(File.ReadAllText(path), JsonOptions)
                   ?? throw new InvalidDataException($"{path}: the manifest is empty.");
        } catch (JsonException e) {
            throw new InvalidDataException($"{path}: not a PiXGen PyTorch manifest ({e.Message}).", e);
        }
    }

    /// <summary>
    /// Checks that <paramref name="module"/>'s state_dict has exactly the manifest's keys, shapes and dtypes, in any order.
    /// </summary>
    /// <exception cref="InvalidDataException">One message listing every missing, unexpected and mismatched key.</exception>
    public static void CheckAgainst(nn.Module module, Manifest manifest)
    {
        using var scope = NewDisposeScope();
        var problems = new List<string>();
        var own = module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        foreach (var e in manifest.StateDict) {
            if (!own.TryGetValue(e.Key, out var t)) { problems.Add($"missing {e.Key}"); continue; }
            if (!t.shape.SequenceEqual(e.Shape)) problems.Add($"{e.Key}: shape [{string.Join(", ", t.shape)}], manifest [{string.Join(", ", e.Shape)}]");
            else if (DtypeName(t.dtype) != e.Dtype) problems.Add($"{e.Key}: dtype {DtypeName(t.dtype)}, manifest {e.Dtype}");
        }
        var listed = manifest.StateDict.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        problems.AddRange(own.Keys.Where(k => !listed.Contains(k)).Select(k => $"unexpected {k}"));
        if (problems.Count > 0)
            throw new InvalidDataException($"{module.GetType().Name} does not match the manifest of {manifest.Network}: {string.Join("; ", problems)}.");
    }

    /// <summary>PyTorch's name of a dtype ("float32", "int64", …).</summary>
    public static string DtypeName(ScalarType t) => t switch {
        ScalarType.Float32 => "float32", ScalarType.Float64 => "float64", ScalarType.Float16 => "float16", ScalarType.BFloat16 => "bfloat16",
        ScalarType.Int64 => "int64", ScalarType.Int32 => "int32", ScalarType.Int16 => "int16", ScalarType.Int8 => "int8",
        ScalarType.Byte => "uint8", ScalarType.Bool => "bool",
        _ => throw new ArgumentException($"dtype {t} has no PyTorch name in the manifest."),
    };

    private static long[] ShapeOfOutput(NetworkGraph g) => GraphOps.ShapeOf(g, g.Output);

    internal static readonly JsonSerializerOptions JsonOptions = new() {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    /// <summary>One state_dict entry of the manifest.</summary>
    public sealed record StateEntry(string Key, long[] Shape, string Dtype);

    /// <summary>The manifest: what the Python module and a checkpoint of it hold.</summary>
    /// <param name="Version">The format version (<see cref="ManifestVersion"/>).</param>
    /// <param name="Network">The C# network's name.</param>
    /// <param name="Module">The Python module's name.</param>
    /// <param name="InputShape">One sample's input (C, H, W).</param>
    /// <param name="OutputShape">One sample's output.</param>
    /// <param name="Init">The initialisation scheme (overrides are applied per tensor in the Python).</param>
    /// <param name="Seed">The initialisation seed, if the declaration fixes one.</param>
    /// <param name="StateDict">Every state_dict entry, in the module's order.</param>
    public sealed record Manifest(int Version, string Network, string Module, long[] InputShape, long[] OutputShape, string Init, long? Seed,
                                  IReadOnlyList<StateEntry> StateDict);
}
