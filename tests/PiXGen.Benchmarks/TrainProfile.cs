using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using PiXGen.Layers;
using PiXGen.PiX;
using PiXGen.Zoo;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PiXGen.Benchmarks;

/// <summary>
/// <c>--profile-train [--batch N] [--rounds N] [--models a,b]</c>: where the time of one training step goes, forward
/// and backward, per layer kind and per block, measured inside real steps of the whole network with TorchSharp's
/// autograd (SGD with momentum, cross-entropy, batch 8 by default; the models alternate every round).
/// </summary>
/// <remarks>
/// TorchSharp 0.107 has neither backward hooks nor the autograd profiler, so the profile places <i>probes</i>:
/// identity autograd functions (<see cref="Probe"/>) on the input and on the output of every timed module (leaf
/// modules, PiX layers and squeeze-excitation whole, and every residual block). A probe's backward records the time
/// at which the gradient passes it. libtorch's CPU autograd engine runs ready nodes one at a time, later-created first,
/// so the backward nodes created inside a module's forward run between the gradient passing the module's output probe
/// and its input probe: that interval is the module's backward, including its parameters' gradient accumulation.
/// What no interval covers (residual-add backward, summing the two gradients of a block's input, the engine itself)
/// is reported as a remainder. The probes add a little time of their own; the step is also timed without probes.
/// </remarks>
public static class TrainProfile
{
    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    public static string Run(string[] models, int batch, int rounds)
    {
        var nets = models.Select(m => new Profiled(m, batch)).ToArray();
        try
        {
            for (int round = -1; round < rounds; round++)
                for (int k = 0; k < nets.Length; k++)
                {
                    var net = nets[round % 2 == 0 ? k : nets.Length - 1 - k];
                    net.Step(probed: false, keep: round >= 0);
                    net.Step(probed: true, keep: round >= 0);
                }
            return Report(nets, batch, rounds);
        }
        finally
        {
            foreach (var n in nets) n.Dispose();
        }
    }

    /// <summary>
    /// The distinct PiX layers of <paramref name="model"/> alone, at batch <paramref name="batch"/>: forward + backward of the
    /// whole layer and of its parts (the pick/mix kernel with p given; context and φ), median ms over rounds.
    /// </summary>
    public static string PiXParts(string model, int batch, int rounds)
    {
        var info = ZooCatalog.Find(model) ?? throw new ArgumentException($"unknown zoo model '{model}'");
        using var net = info.Create();
        var layers = new List<(PiXLayer Layer, long[] Shape)>();
        var hooks = new List<Action>();
        foreach (var (_, m) in net.named_modules())
            if (m is PiXLayer pix)
                hooks.Add(pix.register_forward_pre_hook((self, x) => { layers.Add((pix, x.shape)); return x; }).remove);
        using (torch.no_grad())
        using (var _ = torch.NewDisposeScope())
            net.call(torch.randn(new long[] { batch }.Concat(info.InputShape).ToArray()));
        foreach (var remove in hooks) remove();

        var sb = new StringBuilder();
        sb.AppendLine(string.Create(Ci, $"PiX layers of {model} alone, batch {batch}, {torch.get_num_threads()} threads: forward + backward, median ms over {rounds} rounds."));
        sb.AppendLine();
        sb.AppendLine("| input | ζ | layers | whole layer fwd | whole layer bwd | kernel fwd | kernel bwd | context + φ fwd | context + φ bwd |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var group in layers.GroupBy(l => (string.Join("×", l.Shape.Skip(1)), l.Layer.Zeta)))
        {
            var (layer, shape) = group.First();
            var parts = new (Func<Tensor, Tensor> Fwd, string Name)[]
            {
                (x => layer.call(x), "whole"),
                (x => PiXFunctional.pix(x, Gate(layer, x), layer.Zeta, layer.Tau, layer.Mode), "kernel"),
                (x => layer.probabilities(x), "context"),
            };
            var cells = new List<string>();
            foreach (var (fwd, _) in parts)
            {
                var f = new List<double>(); var b = new List<double>();
                for (int r = -1; r < rounds; r++)
                {
                    using var scope = torch.NewDisposeScope();
                    var x = torch.randn(shape).requires_grad_(true);
                    long t0 = Stopwatch.GetTimestamp();
                    var y = fwd(x);
                    long t1 = Stopwatch.GetTimestamp();
                    y.backward(new[] { torch.randn_like(y) });
                    long t2 = Stopwatch.GetTimestamp();
                    if (r >= 0) { f.Add((t1 - t0) * 1000.0 / Stopwatch.Frequency); b.Add((t2 - t1) * 1000.0 / Stopwatch.Frequency); }
                }
                cells.Add(F(Breakdown.Median(f)) + " | " + F(Breakdown.Median(b)));
            }
            sb.AppendLine($"| {group.Key.Item1} | {group.Key.Zeta} | {group.Count()} | {string.Join(" | ", cells)} |");
        }
        return sb.ToString();
    }

    /// <summary>A gate p for the kernel alone: the layer's probabilities, detached, as a leaf that wants a gradient.</summary>
    private static Tensor Gate(PiXLayer layer, Tensor x)
    {
        using (torch.no_grad()) return layer.probabilities(x).detach().requires_grad_(true);
    }

    private static string F(double ms) => ms.ToString("F1", Ci);

    private static string Report(Profiled[] nets, int batch, int rounds)
    {
        var sb = new StringBuilder();
        sb.AppendLine(string.Create(Ci, $"Training step, batch {batch}, {string.Join("×", nets[0].InputShape)}, float32, {torch.get_num_threads()} threads, SGD momentum 0.9; median ms over {rounds} rounds after 1 warm-up (models alternating)."));
        sb.AppendLine();
        sb.AppendLine($"| step | {string.Join(" | ", nets.Select(n => n.Name))} |");
        sb.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---:|", nets.Length)));
        void Row(string label, Func<Profiled, double> f) => sb.AppendLine($"| {label} | {string.Join(" | ", nets.Select(n => F(f(n))))} |");
        Row("whole step without probes", n => Breakdown.Median(n.Plain));
        Row("  zero_grad", n => Breakdown.Median(n.PlainSteps.Select(s => s.ZeroGrad)));
        Row("  forward + loss", n => Breakdown.Median(n.PlainSteps.Select(s => s.Forward)));
        Row("  backward", n => Breakdown.Median(n.PlainSteps.Select(s => s.Backward)));
        Row("  optimizer step", n => Breakdown.Median(n.PlainSteps.Select(s => s.Optimizer)));
        Row("whole step with probes (the tables below)", n => Breakdown.Median(n.Steps.Select(s => s.Total)));
        Row("  forward + loss (with the probes' copies)", n => Breakdown.Median(n.Steps.Select(s => s.Forward)));
        Row("  backward", n => Breakdown.Median(n.Steps.Select(s => s.Backward)));
        if (nets.Length == 2)
            sb.AppendLine(string.Create(Ci, $"\nSpeed-up of {nets[1].Name} over {nets[0].Name} (whole step without probes, ratio of medians): {Breakdown.Median(nets[0].Plain) / Breakdown.Median(nets[1].Plain):F3}×."));

        sb.AppendLine();
        sb.AppendLine("By layer kind (forward | backward ms per step; remainder = what no module interval covers, in the forward");
        sb.AppendLine("mostly the probes' own copies of every module output):");
        sb.AppendLine();
        sb.AppendLine($"| layer kind | {string.Join(" | ", nets.Select(n => n.Name + " fwd | " + n.Name + " bwd"))} |");
        sb.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---:|", 2 * nets.Length)));
        var kinds = Breakdown.Kinds.Where(kd => nets.Any(n => n.Steps.Any(s => s.Kind.ContainsKey(kd)))).ToList();
        foreach (var kind in kinds)
            sb.AppendLine($"| {kind} | {string.Join(" | ", nets.Select(n => F(Breakdown.Median(n.Steps.Select(s => s.Kind.GetValueOrDefault(kind).Fwd))) + " | " + F(Breakdown.Median(n.Steps.Select(s => s.Kind.GetValueOrDefault(kind).Bwd)))))} |");
        sb.AppendLine($"| remainder | {string.Join(" | ", nets.Select(n => F(Breakdown.Median(n.Steps.Select(s => s.Forward - s.Kind.Values.Sum(v => v.Fwd)))) + " | " + F(Breakdown.Median(n.Steps.Select(s => s.Backward - s.Kind.Values.Sum(v => v.Bwd))))))} |");

        sb.AppendLine();
        sb.AppendLine("By block (forward | backward ms per step, the block's whole interval; stem and head: their leaf modules):");
        sb.AppendLine();
        sb.AppendLine($"| block | {string.Join(" | ", nets.Select(n => n.Name + " fwd | " + n.Name + " bwd"))} | bwd ratio |");
        sb.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---:|", 2 * nets.Length + 1)));
        var blocks = nets[0].BlockOrder.Union(nets.Skip(1).SelectMany(n => n.BlockOrder)).ToList();
        foreach (var b in blocks)
        {
            var cells = nets.Select(n => (Fwd: Breakdown.Median(n.Steps.Select(s => s.Block.GetValueOrDefault(b).Fwd)), Bwd: Breakdown.Median(n.Steps.Select(s => s.Block.GetValueOrDefault(b).Bwd)))).ToArray();
            string ratio = cells.Length == 2 && cells[1].Bwd > 0 ? string.Create(Ci, $"{cells[0].Bwd / cells[1].Bwd:F2}×") : "";
            sb.AppendLine($"| {b} | {string.Join(" | ", cells.Select(c => F(c.Fwd) + " | " + F(c.Bwd)))} | {ratio} |");
        }
        return sb.ToString();
    }

    /// <summary>
    /// Identity in both directions; its backward stamps the time the gradient passed (see the class remarks).
    /// Arguments to <c>apply</c>: the tensor, the probe's slot (int), whether to copy (bool).
    /// </summary>
    private sealed class Probe : autograd.SingleTensorFunction<Probe>
    {
        [ThreadStatic] public static long[]? Stamps;

        public override string Name => "ProfileProbe";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            ctx.save_data("slot", (int)vars[1]);
            // An output probe's result may be modified in place (the generated residual add_), which autograd forbids
            // for a view made inside a custom function: those probes copy.
            return (bool)vars[2] ? ((Tensor)vars[0]).clone() : ((Tensor)vars[0]).alias();
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
        {
            var stamps = Stamps;
            if (stamps is not null) stamps[(int)ctx.get_data("slot")] = Stopwatch.GetTimestamp();
            return new List<Tensor> { grad_output.alias().MoveToOuterDisposeScope(), null!, null! };
        }
    }

    private sealed record StepTimes(double Total, double ZeroGrad, double Forward, double Backward, double Optimizer,
        Dictionary<string, (double Fwd, double Bwd)> Kind, Dictionary<string, (double Fwd, double Bwd)> Block);

    /// <summary>A zoo network with a probe pair around every timed module.</summary>
    private sealed class Profiled : IDisposable
    {
        private sealed record Timed(string Path, string? Kind, string? Block, nn.Module<Tensor, Tensor> Module, int InSlot, int OutSlot);

        public string Name { get; }
        public List<double> Plain { get; } = new();
        /// <summary>The steps without probes, split like <see cref="Steps"/> (no per-module times).</summary>
        public List<StepTimes> PlainSteps { get; } = new();
        public List<StepTimes> Steps { get; } = new();
        public List<string> BlockOrder { get; } = new();
        public long[] InputShape { get; }

        private readonly nn.Module<Tensor, Tensor> model;
        private readonly optim.Optimizer sgd;
        private readonly Tensor input, labels;
        private readonly List<Timed> timed = new();
        private readonly List<Action> hooks = new();
        private readonly long[] forwardStart, forwardTime, stamps;

        public Profiled(string name, int batch)
        {
            Name = name;
            var info = ZooCatalog.Find(name) ?? throw new ArgumentException($"unknown zoo model '{name}'");
            torch.manual_seed(1);
            model = info.Create();
            model.train();
            sgd = optim.SGD(model.parameters(), 0.01, momentum: 0.9);
            InputShape = info.InputShape.ToArray();
            input = torch.randn(new long[] { batch }.Concat(info.InputShape).ToArray());
            labels = torch.randint(0, info.OutputShape[0], new long[] { batch }, dtype: ScalarType.Int64);
            Collect(model, "", null);
            forwardStart = new long[timed.Count];
            forwardTime = new long[timed.Count];
            stamps = new long[2 * timed.Count];
        }

        /// <summary>Leaves (PiX and SE whole) get a kind; blocks (children of a stage, e.g. layer1.0) are timed as blocks.</summary>
        private void Collect(nn.Module module, string prefix, string? block)
        {
            foreach (var (childName, child) in module.named_children())
            {
                string path = prefix.Length == 0 ? childName : $"{prefix}.{childName}";
                bool leaf = child is PiXLayer or SqueezeExcitation || !child.named_children().Any();
                // A block: a numbered child of a stage (layer1.0; the official PiX-ResNet's layer1.blocks.0).
                bool isBlock = !leaf && block is null && prefix.StartsWith("layer", StringComparison.Ordinal) && childName.All(char.IsDigit);
                string? owner = block ?? (isBlock ? path : null);
                if (leaf || isBlock)
                {
                    // Blocks are named layerN.i in both layouts, so the networks' rows line up.
                    string? blockName = isBlock ? path.Replace(".blocks.", ".", StringComparison.Ordinal)
                        : leaf && owner is null && !path.StartsWith("layer", StringComparison.Ordinal) ? StemOrHead() : null;
                    if (blockName is not null && !BlockOrder.Contains(blockName)) BlockOrder.Add(blockName);
                    if (child is nn.Module<Tensor, Tensor> m)
                        timed.Add(new Timed(path, leaf ? Breakdown.Kind(path, child) : null, blockName, m, 2 * timed.Count, 2 * timed.Count + 1));
                }
                if (!leaf) Collect(child, path, owner);
            }
        }

        /// <summary>Leaves outside the stages: those collected before any stage are the stem, the others the head.</summary>
        private string StemOrHead() => timed.Any(t => t.Path.StartsWith("layer", StringComparison.Ordinal)) ? "head" : "stem";

        private void AddProbes()
        {
            foreach (var (t, i) in timed.Select((t, i) => (t, i)))
            {
                int slot = i;
                hooks.Add(t.Module.register_forward_pre_hook((_, x) =>
                {
                    var probed = Probe.apply(x, t.InSlot, false);
                    forwardStart[slot] = Stopwatch.GetTimestamp();
                    return probed;
                }).remove);
                hooks.Add(t.Module.register_forward_hook((_, _, y) =>
                {
                    forwardTime[slot] += Stopwatch.GetTimestamp() - forwardStart[slot];
                    return Probe.apply(y, t.OutSlot, true);
                }).remove);
            }
        }

        private void RemoveProbes()
        {
            foreach (var remove in hooks) remove();
            hooks.Clear();
        }

        public void Step(bool probed, bool keep)
        {
            if (probed) AddProbes();
            Array.Clear(forwardTime);
            Array.Clear(stamps);
            Probe.Stamps = stamps;
            try
            {
                using var scope = torch.NewDisposeScope();
                long t0 = Stopwatch.GetTimestamp();
                sgd.zero_grad();
                long t1 = Stopwatch.GetTimestamp();
                var loss = nn.functional.cross_entropy(model.forward(input), labels);
                long t2 = Stopwatch.GetTimestamp();
                loss.backward();
                long t3 = Stopwatch.GetTimestamp();
                sgd.step();
                long t4 = Stopwatch.GetTimestamp();
                if (!keep) return;
                if (!probed)
                {
                    Plain.Add(Ms(t4 - t0));
                    PlainSteps.Add(new StepTimes(Ms(t4 - t0), Ms(t1 - t0), Ms(t2 - t1), Ms(t3 - t2), Ms(t4 - t3), new(), new()));
                    return;
                }
                var kind = new Dictionary<string, (double Fwd, double Bwd)>();
                var block = new Dictionary<string, (double Fwd, double Bwd)>();
                // A leaf's backward interval can contain another branch's leaves (a shortcut computed before the main
                // path runs its backward after it): a leaf is charged its interval minus the outermost leaf intervals inside it.
                var leafIntervals = timed.Where(t => t.Kind is not null && stamps[t.InSlot] > 0 && stamps[t.OutSlot] > 0)
                    .Select(t => (From: stamps[t.OutSlot], To: stamps[t.InSlot])).ToList();
                for (int i = 0; i < timed.Count; i++)
                {
                    var t = timed[i];
                    double fwd = Ms(forwardTime[i]);
                    bool seen = stamps[t.InSlot] > 0 && stamps[t.OutSlot] > 0;
                    double bwd = seen ? Ms(stamps[t.InSlot] - stamps[t.OutSlot]) : 0;
                    if (t.Kind is not null && seen)
                    {
                        long from = stamps[t.OutSlot], to = stamps[t.InSlot];
                        var within = leafIntervals.Where(o => o.From > from && o.To < to).ToList();
                        long inside = within.Where(o => !within.Any(b => b.From < o.From && o.To < b.To)).Sum(o => o.To - o.From);
                        Add(kind, t.Kind, fwd, bwd - Ms(inside));
                    }
                    else if (t.Kind is not null) Add(kind, t.Kind, fwd, 0);
                    if (t.Block is not null) Add(block, t.Block, fwd, bwd);
                }
                Steps.Add(new StepTimes(Ms(t4 - t0), Ms(t1 - t0), Ms(t2 - t1), Ms(t3 - t2), Ms(t4 - t3), kind, block));
            }
            finally
            {
                Probe.Stamps = null;
                if (probed) RemoveProbes();
            }
        }

        private static void Add(Dictionary<string, (double Fwd, double Bwd)> d, string key, double fwd, double bwd)
        {
            var (f, b) = d.GetValueOrDefault(key);
            d[key] = (f + fwd, b + bwd);
        }

        private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

        public void Dispose()
        {
            RemoveProbes();
            model.Dispose(); sgd.Dispose(); input.Dispose(); labels.Dispose();
        }
    }
}
