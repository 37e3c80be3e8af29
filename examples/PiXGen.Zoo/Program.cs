using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Help;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using PiXGen;
using PiXGen.Costs;
using PiXGen.Zoo;
using Spectre.Console;
using Spectre.Console.Rendering;
using TorchSharp;

// The zoo CLI, PiXGen's main job (parsed with System.CommandLine; `PiXGen.Zoo --help` lists everything):
//   (no arguments)                 table of every zoo model + one forward pass of each
//   summary <model> [--runtime] [--json]   shapes, parameters, costs and state_dict of one model; --runtime adds the
//                                  per-module summary measured by forward hooks
//   cost <model> [HxW]             the per-layer cost table (compile time, or re-evaluated for HxW)
//   cost <model> [--vs <model>] --plot <out.png>   per-stage MACs and parameters side by side (ScottPlot)
//   draw <model> --svg <out.svg> [--depth N]       the network graph as a picture (MSAGL layout)
//   bench <model> [--vs <model>] [--batch N] [--train] [--rounds N] [--warmup N] [--fuse] [--engines LIST [--profile]] [--json]
//   predict <model> --weights <file> --input <file.npy> [--fuse] [--json]
//   export <model> [--weights <file>] [--onnx <out.onnx> [--triton <repo>]] [--pytorch <dir>] [--fuse]
//   train <model> [--vs <model>] [--data <dir>] [--epochs N] [--batch N] [--lr X] [--seed N] [--limit N] [--out <dir>]
//         [--resume <checkpoint>] [--threads N] [--json]      Fashion-MNIST training (docs/training.md)
// Exit codes: 0 success, 1 an error (one "error: ..." line on stderr), 2 a usage error.
return ZooCli.Run(args, Console.Out, Console.Error);

namespace PiXGen.Zoo
{
    /// <summary>The zoo command line; returns the process exit code.</summary>
    public static class ZooCli
    {
        /// <summary>The program's name in messages and help.</summary>
        public const string ProgramName = "PiXGen.Zoo";

        public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
        {
            if (args.Length > 0 && args[0] == "help") args = args.Skip(1).Append("--help").ToArray();
            var root = Build(stdout, stderr);
            var parse = root.Parse(args);
            if (parse.Errors.Count > 0 && parse.Action is not HelpAction)
            {
                stderr.WriteLine($"error: {UsageError(parse, root, args)} Run '{ProgramName} --help' for usage.");
                return 2;
            }
            try
            {
                return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
            }
            catch (Exception ex)
            {
                stderr.WriteLine($"error: {OneLine(ex.Message)}");
                return 1;
            }
        }

        private static RootCommand Build(TextWriter o, TextWriter e)
        {
            var root = new RootCommand("The PiXGen model zoo: networks declared with attributes, generated at compile time. " +
                                       "Without a command: the table of every model and one forward pass of each.")
            {
                HelpName = ProgramName,
            };
            root.SetAction(_ => TableAndForward(o));

            var model = () => new Argument<string>("model") { Description = "zoo model name, e.g. resnet50 (run without a command to list them)" };
            var json = () => new Option<bool>("--json") { Description = "one JSON object on stdout" };
            var fuse = () => new Option<bool>("--fuse") { Description = "fuse for inference first (model.Fuse(): BatchNorm folded, activations fused; bench and predict run it on ONNX Runtime in process on the CPU)" };

            {
                var m = model(); var j = json();
                var runtime = new Option<bool>("--runtime") { Description = "add the per-module summary measured by forward hooks on one forward pass" };
                var cmd = new Command("summary", "shapes, parameters, costs and state_dict of one model") { m, runtime, j };
                cmd.SetAction(p => Summary(p.GetValue(m)!, p.GetValue(runtime), p.GetValue(j), o, e));
                root.Add(cmd);
            }
            {
                var m = model();
                var size = new Argument<string?>("HxW") { Description = "re-evaluate for this input height and width, e.g. 112x112", Arity = ArgumentArity.ZeroOrOne };
                var vs = new Option<string?>("--vs") { Description = "with --plot: a second model drawn beside the first", HelpName = "model" };
                var plot = new Option<string?>("--plot") { Description = "draw per-stage MACs and parameters (of both models with --vs) as a PNG", HelpName = "out.png" };
                var cmd = new Command("cost", "per-layer cost table, at the declared input or re-evaluated for HxW") { m, size, vs, plot };
                cmd.SetAction(p => p.GetValue(plot) is { } png ? CostPlot.Run(p.GetValue(m)!, p.GetValue(vs), png, o, e)
                    : p.GetValue(vs) is not null ? Usage(e, "--vs needs --plot") : Cost(p.GetValue(m)!, p.GetValue(size), o, e));
                root.Add(cmd);
            }
            {
                var m = model();
                var svg = new Option<string>("--svg") { Description = "the SVG file to write", Required = true, HelpName = "out.svg" };
                var depth = Positive("--depth", "collapse blocks nested deeper than N levels into one node each (default: every layer)");
                var cmd = new Command("draw", "draw the network graph as SVG: layers with output shapes, blocks as clusters, shaded by share of MACs, PiX marked")
                    { m, svg, depth };
                cmd.SetAction(p => DrawCommand.Run(p.GetValue(m)!, p.GetValue(svg)!, p.GetValue(depth), o, e));
                root.Add(cmd);
            }
            {
                var m = model(); var j = json(); var f = fuse();
                var vs = new Option<string?>("--vs") { Description = "a second model, timed alternately with the first; reports the ratio of medians", HelpName = "model" };
                var batch = Count("--batch", 1, 1, "batch size");
                var rounds = Count("--rounds", 10, 1, "timed rounds");
                var warmup = Count("--warmup", 3, 0, "untimed rounds first");
                var train = new Option<bool>("--train") { Description = "time a training step (forward + cross-entropy + backward + SGD) instead of an eval forward" };
                var engines = new Option<string?>("--engines")
                {
                    Description = "time the model on each engine of this comma-separated list, round-robin, and print the ratios: " +
                                  string.Join(", ", EngineBench.Engines.Select(k => $"{k.Name} ({k.Runs})")),
                    HelpName = "LIST",
                };
                var profile = new Option<bool>("--profile") { Description = "with --engines: then profile the fused network on ONNX Runtime per node (time by op type, the PiX layers' share), once for each engine of the list that runs it there (fused when none does); with --vs and --fuse: then profile both fused networks, their runs in turn, and compare them node by node (the nodes both have, those only one has)" };
                var spinAfterRun = new Option<bool>("--spin-after-run") { Description = "with --fuse: ONNX Runtime's idle threads go on spinning after each forward (its own default) instead of stopping when it returns (FusedNetwork.SpinAfterRun)" };
                var cmd = new Command("bench", "median latency of a forward pass or a training step at the declared input size")
                    { m, vs, batch, train, rounds, warmup, f, spinAfterRun, engines, profile, j };
                cmd.SetAction(p => ZooBench.Run(new ZooBench.Options(p.GetValue(m)!, p.GetValue(vs), p.GetValue(batch), p.GetValue(train),
                    p.GetValue(rounds), p.GetValue(warmup), p.GetValue(j), p.GetValue(f), p.GetValue(engines), p.GetValue(profile), p.GetValue(spinAfterRun)), o, e));
                root.Add(cmd);
            }
            {
                var m = model(); var j = json(); var f = fuse();
                var weights = new Option<string>("--weights") { Description = "PyTorch state_dict to load", Required = true, HelpName = "file" };
                var input = new Option<string>("--input") { Description = "input batch as a .npy array (N×C×H×W, float32)", Required = true, HelpName = "file.npy" };
                var cmd = new Command("predict", "run a model with loaded weights on an input array") { m, weights, input, f, j };
                cmd.SetAction(p => Known(p.GetValue(m)!, e) is null ? 1
                    : PredictCommand.Run(p.GetValue(m)!, p.GetValue(weights)!, p.GetValue(input)!, p.GetValue(f), p.GetValue(j), o, e));
                root.Add(cmd);
            }
            {
                var m = model(); var f = fuse();
                var weights = new Option<string?>("--weights") { Description = "PyTorch state_dict to load first (default: the initial weights)", HelpName = "file" };
                var onnx = new Option<string?>("--onnx") { Description = "the ONNX file to write", HelpName = "out.onnx" };
                var pytorch = new Option<string?>("--pytorch") { Description = "write the network as a PyTorch module into this folder (docs/scale-out.md)", HelpName = "dir" };
                var triton = new Option<string?>("--triton") { Description = "with --onnx: write a Triton model repository here (docs/scale-out.md)", HelpName = "repo" };
                var cmd = new Command("export", "write a model as ONNX, as a PyTorch module, or as a Triton model repository") { m, weights, onnx, pytorch, triton, f };
                cmd.SetAction(p => Known(p.GetValue(m)!, e) is null ? 1
                    : ScaleOutExport.Run(p.GetValue(m)!, p.GetValue(weights), p.GetValue(onnx), p.GetValue(pytorch), p.GetValue(triton), p.GetValue(f), o, e));
                root.Add(cmd);
            }
            {
                var m = model(); var j = json();
                var vs = new Option<string?>("--vs") { Description = "a second model, trained on the same data order; side-by-side table", HelpName = "model" };
                var data = new Option<string?>("--data") { Description = $"folder with the four Fashion-MNIST IDX files, or with train/<class>/ and test/<class>/ image folders (default {FashionMnistData.DefaultFolder})", HelpName = "dir" };
                var epochs = Positive("--epochs", $"epochs (default {TrainCommand.DefaultEpochs}; with --resume the checkpoint's)");
                var batch = Positive("--batch", $"batch size (default {TrainCommand.DefaultBatch})");
                var lr = new Option<double?>("--lr") { Description = $"initial learning rate, cosine-annealed to 0 (default {TrainCommand.DefaultLr})", HelpName = "X" };
                var seed = new Option<int?>("--seed") { Description = $"seed of the initialisation, data order and augmentation (default {TrainCommand.DefaultSeed})", HelpName = "N" };
                var limit = Positive("--limit", "train on the first N training images only");
                var output = new Option<string?>("--out") { Description = "output folder: metrics.csv, curves.png, <model>/epoch-NNN.* (default runs/<model>)", HelpName = "dir" };
                var resume = new Option<string?>("--resume") { Description = "continue from a checkpoint <model>/epoch-NNN.safetensors written by train", HelpName = "checkpoint" };
                var threads = Positive("--threads", "libtorch's intra-op threads (default: libtorch's choice, the number of cores)");
                var cmd = new Command("train", "train on Fashion-MNIST (SGD momentum, cosine schedule, crop+flip), test after each epoch, checkpoint every epoch")
                    { m, vs, data, epochs, batch, lr, seed, limit, output, resume, threads, j };
                cmd.SetAction(p => TrainCommand.Run(new TrainCommand.Options(p.GetValue(m)!, p.GetValue(vs), p.GetValue(data), p.GetValue(epochs),
                    p.GetValue(batch), p.GetValue(lr), p.GetValue(seed), p.GetValue(limit), p.GetValue(output), p.GetValue(resume), p.GetValue(j), p.GetValue(threads)), o, e));
                root.Add(cmd);
            }
            return root;
        }

        /// <summary>An optional positive integer option (null when not given); anything else is a parse error naming the option.</summary>
        private static Option<int?> Positive(string name, string description)
            => new(name)
            {
                Description = description, HelpName = "N",
                CustomParser = r =>
                {
                    var text = r.Tokens.Count == 1 ? r.Tokens[0].Value : string.Join(" ", r.Tokens.Select(t => t.Value));
                    if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= 1) return n;
                    r.AddError($"{name} takes a positive integer, got '{text}'.");
                    return null;
                },
            };

        /// <summary>An integer option of at least <paramref name="minimum"/>; anything else is a parse error naming the option.</summary>
        private static Option<int> Count(string name, int defaultValue, int minimum, string description)
            => new(name)
            {
                Description = description, DefaultValueFactory = _ => defaultValue, HelpName = "N",
                CustomParser = r =>
                {
                    var text = r.Tokens.Count == 1 ? r.Tokens[0].Value : string.Join(" ", r.Tokens.Select(t => t.Value));
                    if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= minimum) return n;
                    r.AddError($"{name} takes {(minimum == 0 ? "a non-negative" : "a positive")} integer, got '{text}'.");
                    return defaultValue;
                },
            };

        /// <summary>The first parse error as a sentence; an unknown command word gets the closest command names.</summary>
        private static string UsageError(ParseResult parse, RootCommand root, string[] args)
        {
            if (parse.CommandResult.Command == root && args.Length > 0 && !args[0].StartsWith('-'))
            {
                var near = NameSuggestions.Closest(args[0], root.Subcommands.Select(c => c.Name));
                return $"unknown command '{args[0]}'." + (near.Count > 0 ? $" Did you mean: {string.Join(", ", near)}?" : "");
            }
            var message = parse.Errors[0].Message.Trim();
            return message.EndsWith('.') ? message : message + ".";
        }

        /// <summary>A usage error found after parsing: one error line, exit code 2.</summary>
        private static int Usage(TextWriter e, string message)
        {
            e.WriteLine($"error: {message}. Run '{ProgramName} --help' for usage.");
            return 2;
        }

        private static string OneLine(string message)
            => string.Join(" ", message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

        /// <summary>The zoo model named <paramref name="name"/>; otherwise writes one error line with the closest names and returns null.</summary>
        internal static NetworkInfo? Known(string name, TextWriter e)
        {
            var info = ZooCatalog.Find(name);
            if (info is not null) return info;
            var all = ZooCatalog.Models.Select(m => m.Name).ToList();
            var near = NameSuggestions.Closest(name, all);
            e.WriteLine(near.Count > 0
                ? $"error: unknown model '{name}'. Did you mean: {string.Join(", ", near)}?"
                : $"error: unknown model '{name}'. Known models: {string.Join(", ", all)}.");
            return null;
        }

        /// <summary>
        /// A console that renders Spectre tables to <paramref name="writer"/>: with colours and the terminal's width on an
        /// interactive terminal, plain text 200 columns wide otherwise (tests, pipes, files).
        /// </summary>
        internal static IAnsiConsole ConsoleFor(TextWriter writer)
        {
            bool terminal = IsTerminal(writer);
            var console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
                ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
                Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
                Out = new AnsiConsoleOutput(writer),
            });
            if (!terminal) console.Profile.Width = 200;
            return console;
        }

        private static bool IsTerminal(TextWriter writer) => ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected;

        /// <summary>A table with plain-text cells (no markup parsing, so shapes and names print as they are).</summary>
        internal static Table PlainTable(params (string Header, bool Right)[] columns)
        {
            var table = new Table { Border = TableBorder.Simple };
            foreach (var (header, right) in columns)
            {
                var column = new TableColumn(new Text(header)) { NoWrap = true };
                table.AddColumn(right ? column.RightAligned() : column);
            }
            return table;
        }

        internal static void AddPlainRow(this Table table, params string[] cells)
            => table.AddRow(cells.Select(c => (IRenderable)new Text(c)).ToArray());

        /// <summary>
        /// Writes <paramref name="table"/> to <paramref name="writer"/>: through Spectre's terminal rendering on a terminal;
        /// otherwise as plain lines without trailing blanks or the border's empty first and last lines.
        /// </summary>
        internal static void WriteTable(TextWriter writer, Table table)
        {
            if (IsTerminal(writer))
            {
                ConsoleFor(writer).Write(table);
                return;
            }
            var text = new StringWriter();
            ConsoleFor(text).Write(table);
            var lines = text.ToString().Split('\n').Select(l => l.TrimEnd()).ToList();
            foreach (var line in lines.SkipWhile(l => l.Length == 0).Reverse().SkipWhile(l => l.Length == 0).Reverse())
                writer.WriteLine(line);
        }

        private static string Shape(IReadOnlyList<long> s) => string.Join("x", s);

        private static string Grouped(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

        private static int TableAndForward(TextWriter o)
        {
            var models = ZooCatalog.Models;
            o.WriteLine($"PiXGen zoo: {models.Count} networks declared with attributes, generated at compile time.");
            o.WriteLine();
            var table = PlainTable(("model", false), ("class", false), ("parameters", true), ("GMACs", true), ("paper G", true), ("input → output", false));
            foreach (var m in models)
                table.AddPlainRow(m.Name, m.Type.Name, Grouped(m.Parameters), (m.Macs / 1e9).ToString("F2", CultureInfo.InvariantCulture),
                    (m.MacsPaper / 1e9).ToString("F2", CultureInfo.InvariantCulture), $"{Shape(m.InputShape)} → {Shape(m.OutputShape)}");
            WriteTable(o, table);
            o.WriteLine("GMACs: Conv2d + Linear multiply-accumulates, bias excluded (torchvision convention); paper G: the paper convention");
            o.WriteLine("(+ bias adds, 2 per BatchNorm element, 1 per activation element, 1 per pooling input element). See docs/costs.md.");
            o.WriteLine();
            o.WriteLine($"One forward pass of each at batch 1 (eval, float32, {torch.get_num_threads()} threads):");
            int i = 0, failures = 0;
            foreach (var m in models)
            {
                i++;
                o.Write($"  [{i,2}/{models.Count}] {m.Name,-26} ");
                o.Flush();
                var sw = Stopwatch.StartNew();
                try
                {
                    using var scope = torch.NewDisposeScope();
                    using var model = m.Create();
                    model.eval();
                    using var _ = torch.no_grad();
                    var input = torch.randn(new long[] { 1 }.Concat(m.InputShape).ToArray());
                    var y = model.forward(input);
                    var expected = new long[] { 1 }.Concat(m.OutputShape).ToArray();
                    bool ok = y.shape.SequenceEqual(expected) && y.isfinite().all().item<bool>();
                    if (!ok) failures++;
                    o.WriteLine($"{Shape(y.shape.Skip(1).ToArray()),-8} {sw.Elapsed.TotalSeconds,6:F2} s  {(ok ? "ok" : "MISMATCH (expected " + Shape(expected) + ")")}");
                }
                catch (Exception ex)
                {
                    failures++;
                    o.WriteLine($"failed: {OneLine(ex.Message)}");
                }
            }
            o.WriteLine();
            o.WriteLine(failures == 0 ? "All forward passes produced the shapes inferred at compile time." : $"{failures} model(s) failed.");
            return failures == 0 ? 0 : 1;
        }

        private static int Summary(string name, bool runtime, bool json, TextWriter o, TextWriter e)
        {
            var info = Known(name, e);
            if (info is null) return 1;
            using var model = info.Create();
            var stateDict = model.state_dict().Select(kv => (kv.Key, kv.Value.shape)).ToList();
            var measured = runtime ? model.Summary(new long[] { 1 }.Concat(info.InputShape).ToArray()) : null;
            if (json)
            {
                using var stream = new MemoryStream();
                using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false }))
                {
                    w.WriteStartObject();
                    w.WriteString("model", info.Name);
                    WriteShape(w, "input", info.InputShape);
                    WriteShape(w, "output", info.OutputShape);
                    w.WriteNumber("parameters", info.Parameters);
                    w.WriteString("variant", info.Variant);
                    w.WriteNumber("macs", info.Macs);
                    w.WriteNumber("macs_paper", info.MacsPaper);
                    w.WriteNumber("activation_bytes", info.ActivationBytes);
                    w.WriteStartArray("state_dict");
                    foreach (var (key, shape) in stateDict)
                    {
                        w.WriteStartArray();
                        w.WriteStringValue(key);
                        w.WriteStartArray();
                        foreach (var d in shape) w.WriteNumberValue(d);
                        w.WriteEndArray();
                        w.WriteEndArray();
                    }
                    w.WriteEndArray();
                    if (measured is not null) WriteRuntime(w, measured);
                    w.WriteEndObject();
                }
                o.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
                return 0;
            }
            o.WriteLine($"{info.Name} ({info.Type.FullName})");
            o.WriteLine($"  input       {Shape(info.InputShape)}");
            o.WriteLine($"  output      {Shape(info.OutputShape)}");
            o.WriteLine($"  parameters  {Grouped(info.Parameters)}");
            o.WriteLine($"  variant     {info.Variant}");
            o.WriteLine($"  MACs        {Grouped(info.Macs)} (Conv2d + Linear, bias excluded; torchvision convention)");
            o.WriteLine($"  paper       {Grouped(info.MacsPaper)} (paper convention, docs/costs.md)");
            o.WriteLine($"  activations {Grouped(info.ActivationBytes)} bytes (every layer output, batch 1, float32); peak {Grouped(info.PeakActivationBytes)}");
            o.WriteLine($"  state_dict  {stateDict.Count} entries");
            foreach (var (key, shape) in stateDict) o.WriteLine($"    {key,-48} [{string.Join(", ", shape)}]");
            if (measured is null) return 0;
            o.WriteLine();
            o.WriteLine($"Runtime summary: one forward pass of a random {ModuleSummary.ShapeText(measured.InputShape)} input (eval, no_grad), measured by forward hooks");
            var table = PlainTable(("Layer (path)", false), ("Type", false), ("Output shape", false), ("Params", true), ("MACs", true));
            foreach (var r in measured.Rows)
                table.AddPlainRow(new string(' ', 2 * r.Depth) + r.Path, r.Type, ModuleSummary.ShapeText(r.OutputShape), Grouped(r.Parameters), Grouped(r.Macs));
            WriteTable(o, table);
            foreach (var line in measured.TotalLines()) o.WriteLine(line);
            return 0;
        }

        private static void WriteRuntime(Utf8JsonWriter w, ModuleSummary s)
        {
            w.WriteStartArray("runtime");
            foreach (var r in s.Rows)
            {
                w.WriteStartObject();
                w.WriteString("path", r.Path);
                w.WriteString("type", r.Type);
                w.WriteNumber("depth", r.Depth);
                w.WriteBoolean("leaf", r.IsLeaf);
                if (r.OutputShape is null) w.WriteNull("output"); else WriteShape(w, "output", r.OutputShape);
                w.WriteNumber("parameters", r.Parameters);
                w.WriteNumber("macs", r.Macs);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNumber("runtime_parameters", s.Parameters);
            w.WriteNumber("runtime_macs", s.Macs);
        }

        private static int Cost(string name, string? size, TextWriter o, TextWriter e)
        {
            var info = Known(name, e);
            if (info is null) return 1;
            if (size is null)
            {
                o.Write(info.Cost!.ToString());
                return 0;
            }
            var parts = size.Split('x', 'X', '×');
            if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var h)
                || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var w) || h <= 0 || w <= 0)
            {
                e.WriteLine($"error: '{size}' is not a size; write HEIGHTxWIDTH, e.g. 112x112.");
                return 2;
            }
            o.Write(info.CostFor!(h, w).ToString());
            return 0;
        }

        private static void WriteShape(Utf8JsonWriter w, string name, IReadOnlyList<long> shape)
        {
            w.WriteStartArray(name);
            foreach (var d in shape) w.WriteNumberValue(d);
            w.WriteEndArray();
        }
    }

    /// <summary>Closest names to a misspelt one, for "did you mean" messages.</summary>
    public static class NameSuggestions
    {
        /// <summary>
        /// Up to <paramref name="max"/> of <paramref name="candidates"/> closest to <paramref name="name"/>: case-insensitive
        /// edit distance (insert, delete, substitute, swap adjacent) within max(2, length/3), or a prefix either way; nearest
        /// first, then the longest common prefix, then name order.
        /// </summary>
        public static IReadOnlyList<string> Closest(string name, IEnumerable<string> candidates, int max = 3)
        {
            string Norm(string s) => s.ToLowerInvariant().Replace('-', '_');
            var query = Norm(name);
            int limit = Math.Max(2, query.Length / 3);
            return candidates
                .Select(c => (Name: c, Norm: Norm(c)))
                .Select(c => (c.Name, Distance: Distance(query, c.Norm), Prefix: CommonPrefix(query, c.Norm),
                              IsPrefix: query.Length > 0 && (c.Norm.StartsWith(query, StringComparison.Ordinal) || query.StartsWith(c.Norm, StringComparison.Ordinal))))
                .Where(c => c.Distance <= limit || c.IsPrefix)
                .OrderBy(c => c.Distance).ThenByDescending(c => c.Prefix).ThenBy(c => c.Name, StringComparer.Ordinal)
                .Take(max).Select(c => c.Name).ToList();
        }

        private static int CommonPrefix(string a, string b)
        {
            int n = 0;
            while (n < a.Length && n < b.Length && a[n] == b[n]) n++;
            return n;
        }

        /// <summary>Optimal string alignment distance (Levenshtein with adjacent transpositions).</summary>
        private static int Distance(string a, string b)
        {
            var d = new int[a.Length + 1, b.Length + 1];
            for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
            for (int j = 0; j <= b.Length; j++) d[0, j] = j;
            for (int i = 1; i <= a.Length; i++)
                for (int j = 1; j <= b.Length; j++)
                {
                    int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                    d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                    if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                        d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            return d[a.Length, b.Length];
        }
    }
}
