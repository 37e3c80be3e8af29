using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PiXGen.Definitions;
using PiXGen.PiX;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PiXGen.Costs;

/// <summary>One module of a <see cref="ModuleSummary"/>, measured during one forward pass.</summary>
/// <param name="Path">The module's dotted name as in <c>named_modules()</c> (its state_dict prefix, "layer1.0.conv1").</param>
/// <param name="Type">The module's class name ("Conv2d", "BasicBlock", "Sequential").</param>
/// <param name="Depth">Nesting depth (0 for the summarised module's direct children).</param>
/// <param name="IsLeaf">Whether the module has no child modules.</param>
/// <param name="OutputShape">Shape of the module's output, batch included (of its last call); null when the forward never called it.</param>
/// <param name="Parameters">Parameters of the module and everything below it.</param>
/// <param name="Macs">Multiply-accumulates of the module and everything below it, for the whole input batch (docs/costs.md).</param>
/// <param name="Calls">How often the forward pass called the module.</param>
public sealed record ModuleSummaryRow(string Path, string Type, int Depth, bool IsLeaf, IReadOnlyList<long>? OutputShape,
    long Parameters, long Macs, int Calls);

/// <summary>
/// What one forward pass of a module did, measured by forward hooks: per module its output shape, parameters and
/// MACs, and the totals. <see cref="ToString"/> renders a torchinfo-style table. Made by
/// <see cref="RuntimeSummary.Summary(nn.Module{Tensor, Tensor}, long[])"/>.
/// </summary>
public sealed class ModuleSummary
{
    /// <summary>The MAC convention of <see cref="Macs"/>, as the table names it.</summary>
    public const string MacsConvention =
        "Conv + Linear multiply-accumulates, bias excluded, plus PiX's φ projection; torchvision convention";

    /// <summary>Creates a summary; <paramref name="macs"/> is the MACs of the whole forward pass.</summary>
    public ModuleSummary(string module, IReadOnlyList<long> inputShape, IReadOnlyList<long> outputShape, IReadOnlyList<ModuleSummaryRow> rows,
        long parameters, long trainableParameters, long buffers, long macs)
    {
        Module = module; InputShape = inputShape; OutputShape = outputShape; Rows = rows;
        Parameters = parameters; TrainableParameters = trainableParameters; Buffers = buffers; Macs = macs;
    }

    /// <summary>The summarised module's class name.</summary>
    public string Module { get; }

    /// <summary>The input's shape, batch included.</summary>
    public IReadOnlyList<long> InputShape { get; }

    /// <summary>The output's shape, batch included.</summary>
    public IReadOnlyList<long> OutputShape { get; }

    /// <summary>Every module below the summarised one, depth first in registration order (a container, then its children).</summary>
    public IReadOnlyList<ModuleSummaryRow> Rows { get; }

    /// <summary>Every parameter element (PyTorch's <c>sum(p.numel() for p in parameters())</c>).</summary>
    public long Parameters { get; }

    /// <summary>The parameter elements that require gradients.</summary>
    public long TrainableParameters { get; }

    /// <summary>Buffer elements (BatchNorm running statistics and batch counters).</summary>
    public long Buffers { get; }

    /// <summary>Multiply-accumulates of the forward pass, for the whole input batch (see <see cref="MacsConvention"/>).</summary>
    public long Macs { get; }

    /// <summary>A torchinfo-style table: path, type, output shape, parameters and MACs per module, then the totals.</summary>
    public override string ToString()
        => LayerTable.Render($"{Module}: runtime summary (forward hooks, eval, no_grad, input {ShapeText(InputShape)})",
            Rows.Select(r => new[] { new string(' ', 2 * r.Depth) + r.Path, r.Type, ShapeText(r.OutputShape), Grouped(r.Parameters), Grouped(r.Macs) }),
            new[] { "", "", "", Grouped(Parameters), Grouped(Macs) }, TotalLines());

    /// <summary>The lines under the table: input → output, parameters, buffers, MACs.</summary>
    public IEnumerable<string> TotalLines()
    {
        yield return $"Input → output: {ShapeText(InputShape)} → {ShapeText(OutputShape)}";
        yield return $"Parameters: {Grouped(Parameters)} (trainable {Grouped(TrainableParameters)}, non-trainable {Grouped(Parameters - TrainableParameters)})";
        yield return $"Buffers: {Grouped(Buffers)}";
        yield return $"MACs ({MacsConvention}): {Grouped(Macs)} ({CostReport.Scaled(Macs, "")})";
    }

    /// <summary>A shape as "1×64×112×112", or "--" for a module the forward pass did not call.</summary>
    public static string ShapeText(IReadOnlyList<long>? shape)
        => shape is null ? "--" : string.Join("×", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));

    private static string Grouped(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}

/// <summary>
/// <c>module.Summary(1, 3, 224, 224)</c>: runs one forward pass of any <see cref="nn.Module{Tensor, Tensor}"/> and
/// measures, with forward hooks, each submodule's output shape, parameters and MACs (torchinfo's summary, for
/// TorchSharp). The run-time counterpart of the compile-time <see cref="CostReport"/>; the MAC rules are those of
/// docs/costs.md, read from the shared layer definitions (<see cref="MacsOf"/>): Conv2d, ConvTranspose2d, Linear and PiX's φ
/// as the compiler counts them, Conv1d/3d output elements × weight elements per output channel; everything else counts 0.
/// </summary>
public static class RuntimeSummary
{
    /// <summary>
    /// Summarises <paramref name="module"/> on a random input of <paramref name="inputShape"/> (batch included, e.g.
    /// 1, 3, 224, 224), created with the dtype and device of the module's first floating-point parameter (float32 on
    /// the CPU when it has none).
    /// </summary>
    public static ModuleSummary Summary(this nn.Module<Tensor, Tensor> module, params long[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (inputShape is null || inputShape.Length == 0 || inputShape.Any(d => d <= 0))
            throw new ArgumentException($"Summary of {TypeName(module)}: the input shape must be positive dimensions, batch included (e.g. 1, 3, 224, 224), " +
                                        $"got ({string.Join(", ", inputShape ?? Array.Empty<long>())}).", nameof(inputShape));
        var like = module.parameters().FirstOrDefault(p => p.is_floating_point());
        using var scope = torch.NewDisposeScope();
        var input = like is null ? torch.randn(inputShape) : torch.randn(inputShape, dtype: like.dtype, device: like.device);
        return module.Summary(input);
    }

    /// <summary>
    /// Summarises <paramref name="module"/> on <paramref name="input"/> (batch included). The forward pass runs in
    /// eval mode under <c>no_grad</c>; the hooks are removed and every module's training mode restored afterwards,
    /// also when the forward pass throws (then an <see cref="ArgumentException"/> names the module that failed).
    /// </summary>
    public static ModuleSummary Summary(this nn.Module<Tensor, Tensor> module, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(input);
        var named = new List<(string name, nn.Module module)>();
        PreOrder(module, "", named);
        var modes = new List<(nn.Module Module, bool Training)> { (module, module.training) };
        modes.AddRange(named.Select(m => (m.module, m.module.training)));

        var shapes = new Dictionary<string, long[]>();
        var ownMacs = new Dictionary<string, long>();
        var calls = new Dictionary<string, int>();
        var entered = new Stack<string>();
        var removers = new List<Action>();
        long[] outputShape;
        try
        {
            module.eval();
            foreach (var (path, m) in named)
            {
                if (m is not nn.Module<Tensor, Tensor> hooked) continue;
                removers.Add(hooked.register_forward_pre_hook((_, x) => { entered.Push(path); return x; }).remove);
                removers.Add(hooked.register_forward_hook((self, x, y) =>
                {
                    entered.Pop();
                    shapes[path] = y.shape;
                    calls[path] = calls.GetValueOrDefault(path) + 1;
                    ownMacs[path] = ownMacs.GetValueOrDefault(path) + MacsOf(self, x, y);
                    return y;
                }).remove);
            }
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            try
            {
                outputShape = module.call(input).shape;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                string where = entered.Count == 0 ? "" : $" in {entered.Peek()} ({TypeName(named.First(n => n.name == entered.Peek()).module)})";
                throw new ArgumentException($"Summary of {TypeName(module)} on input {ModuleSummary.ShapeText(input.shape)} failed{where}: {ex.Message}", ex);
            }
        }
        finally
        {
            foreach (var remove in removers) remove();
            // Containers come before their children, so restoring in this order keeps each module's own flag.
            foreach (var (m, training) in modes) m.train(training);
        }

        var rows = named.Select(n =>
        {
            string prefix = n.name + ".";
            long macs = ownMacs.Where(kv => kv.Key == n.name || kv.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(kv => kv.Value);
            return new ModuleSummaryRow(n.name, TypeName(n.module), n.name.Count(c => c == '.'), !n.module.children().Any(),
                shapes.GetValueOrDefault(n.name), n.module.parameters().Sum(p => p.numel()), macs, calls.GetValueOrDefault(n.name));
        }).ToList();
        var parameters = module.parameters().ToList();
        return new ModuleSummary(TypeName(module), input.shape, outputShape, rows,
            parameters.Sum(p => p.numel()), parameters.Where(p => p.requires_grad).Sum(p => p.numel()),
            module.buffers().Sum(b => b.numel()), ownMacs.Values.Sum());
    }

    /// <summary>Every module below <paramref name="module"/>, depth first: a container, then its children in registration order.</summary>
    private static void PreOrder(nn.Module module, string prefix, List<(string name, nn.Module module)> into)
    {
        foreach (var (name, child) in module.named_children())
        {
            string path = prefix.Length == 0 ? name : prefix + "." + name;
            into.Add((path, child));
            PreOrder(child, path, into);
        }
    }

    /// <summary>
    /// The MACs (torchvision convention) of one call of <paramref name="module"/> from <paramref name="input"/> to
    /// <paramref name="output"/>, batch included: its own computation, not its children's. Conv2d, ConvTranspose2d,
    /// Linear (their definitions' ValuesOf) and PiX are counted by their shared layer definitions (src/PiXGen.Definitions, the compiler's rules),
    /// built from the module's real weight shapes and the call's real tensor shapes; Conv1d/Conv3d (no PiXGen layer
    /// kind) as output elements × weights per output channel; everything else counts 0.
    /// </summary>
    public static long MacsOf(nn.Module module, Tensor input, Tensor output)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        // A grouped convolution is described per group (its weight holds Cin/g or Cout/g along one axis), which
        // gives the same MACs as the whole layer.
        switch (module)
        {
            case Conv1d c:
                return output.numel() * (c.weight!.numel() / c.weight.shape[0]);
            case Conv3d c:
                return output.numel() * (c.weight!.numel() / c.weight.shape[0]);
            default:
                // A defined kind by its definition, with the settings its module's tensors give (DefinedKind.ValuesOf).
                return DefinedKind.Of(module) is { } kind && kind.ValuesOf(module) is { } values
                    ? input.shape[0] * kind.Spec(values).Macs(Sample(input), Sample(output)) : 0;
        }
    }

    /// <summary>One sample's shape (the batch dimension dropped): C×H×W or a vector.</summary>
    private static Dims Sample(Tensor t) => t.dim() == 4 ? Dims.Map(t.shape[1], t.shape[2], t.shape[3]) : Dims.Vector(t.numel() / Math.Max(1, t.shape[0]));

    private static string TypeName(nn.Module module)
    {
        var name = module.GetType().Name;
        int tick = name.IndexOf('`');
        return tick < 0 ? name : name[..tick];
    }
}

/// <summary>
/// The plain-text per-layer table of the cost reports: a title, then Layer (path), Type and Output shape left-aligned,
/// Params and MACs right-aligned, between '=' and '-' rules, then the total lines.
/// </summary>
internal static class LayerTable
{
    private static readonly string[] Headers = { "Layer (path)", "Type", "Output shape", "Params", "MACs" };

    /// <summary>Renders <paramref name="rows"/> (five cells each); <paramref name="widest"/> widens the columns without being printed (the totals).</summary>
    public static string Render(string title, IEnumerable<string[]> rows, string[] widest, IEnumerable<string> totals)
    {
        var cells = rows.ToList();
        var widths = Enumerable.Range(0, Headers.Length)
            .Select(c => cells.Append(Headers).Append(widest).Max(r => r[c].Length)).ToArray();
        int width = widths.Sum() + 2 * (Headers.Length - 1);
        string Line(string[] r) => string.Join("  ", r.Select((cell, c) => c < 3 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c])));
        var sb = new System.Text.StringBuilder();
        sb.Append(title).Append('\n').Append(new string('=', width)).Append('\n');
        sb.Append(Line(Headers)).Append('\n').Append(new string('-', width)).Append('\n');
        foreach (var r in cells) sb.Append(Line(r)).Append('\n');
        sb.Append(new string('=', width)).Append('\n');
        foreach (var line in totals) sb.Append(line).Append('\n');
        return sb.ToString();
    }
}
