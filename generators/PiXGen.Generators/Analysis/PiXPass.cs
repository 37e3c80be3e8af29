using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PiXGen.Generators.Definitions;
using PiXGen.Generators.Model;

namespace PiXGen.Generators.Analysis;

/// <summary>
/// PiX substitution and the build-time variants as IR→IR passes: from the dense network's instantiated IR and the
/// decisions (<see cref="PiXRewriter.Decisions"/> for [SubstitutePiX], <see cref="PiXRewriter.MarkerDecisions"/> for
/// [PiXSqueeze] markers, <see cref="VariantSelector.Decide"/> for [Variants]), the network the decisions must produce — node kinds, state_dict names, settings, shapes, parameter
/// counts — computed on the IR alone, never from declarations.
/// <list type="bullet">
/// <item>Replace (squeeze, marker, variant <c>pix</c>): the convolution becomes a PiX layer of the same name with
/// ζ = C_in / C_out (or a marker's explicit ζ); the BatchNorm2d right after it on the same path, then an activation right after that, are
/// removed (unless <see cref="PiXOptionsDecl.WithNormAndActivation"/> is off; a marker's own options win).</item>
/// <item>Insert (<c>downscale</c>, <c>prune</c>): a PiX layer with factor ζ goes in front of the convolution,
/// which then takes ⌈C_in / ζ⌉ channels. In a Sequential it takes the convolution's index; elsewhere it is the
/// field "&lt;conv&gt;_pix".</item>
/// </list>
/// A Sequential's children are renumbered 0, 1, 2, … afterwards (the names its module gives them), and every
/// container's parameter count is the sum of its children's. A node with no decision in its subtree is returned
/// as it was. <see cref="TranslationValidator"/> checks the specialised declarations against this result.
/// </summary>
public static class PiXPass
{
    /// <summary>The network <paramref name="actions"/> (keyed by convolution path) make of <paramref name="dense"/>.</summary>
    public static LayerNode Run(LayerNode dense, IReadOnlyDictionary<string, PiXRewriter.PiXAction> actions, PiXOptionsDecl options)
        => actions.Count == 0 ? dense : new Pass(actions, options).Rewrite(dense);

    /// <summary>
    /// A PiX layer (<see cref="DefinedKind.PiX"/>) with factor ζ on <paramref name="input"/>, as shape inference instantiates
    /// it: every setting of the definition recorded as its value (Co = ⌈C/ζ⌉ as its OutChannels, τ as a real).
    /// </summary>
    public static LayerNode PiXLayer(string name, string path, Shape input, long zeta, PiXOptionsDecl options, NodeRole role)
    {
        var kind = DefinedKind.PiX;
        double tau = double.TryParse(options.Tau, NumberStyles.Float, CultureInfo.InvariantCulture, out var t) ? t : 0.5;
        var values = kind.Resolved(kind.Values((s, fallback) => s.Name switch
        {
            "InChannels" => input.C, "OutChannels" => double.NaN, "Zeta" => zeta, "Tau" => tau,
            "Mode" => options.Mode, "Context" => options.Context, "PhiBias" => options.PhiBias ? 1 : 0, _ => fallback,
        }));
        var settings = kind.Settings.Select(s => s.Flag ? new Setting(s.Name, values[kind.Slot(s.Name)] != 0 ? "true" : "false", SettingType.Bool)
            : s.Real ? new Setting(s.Name, values[kind.Slot(s.Name)].ToString("R", CultureInfo.InvariantCulture), SettingType.Double)
            : new Setting(s.Name, ((long)values[kind.Slot(s.Name)]).ToString(CultureInfo.InvariantCulture), SettingType.Expression));
        var spec = kind.Spec(values);
        return new LayerNode(NodeKind.Layer, LayerKind.Defined, name, path, kind.Name, input, spec.Output(input),
            settings.ToEquatableArray(), spec.Parameters(input), role, false, EquatableArray<LayerNode>.Empty);
    }

    /// <summary>
    /// The paths of the layers the replacements remove with their convolutions (none without
    /// <see cref="PiXOptionsDecl.WithNormAndActivation"/>). The declaration specialiser removes exactly these.
    /// </summary>
    public static HashSet<string> Followers(LayerNode dense, IReadOnlyDictionary<string, PiXRewriter.PiXAction> actions, PiXOptionsDecl options)
    {
        var followers = new HashSet<string>();
        void Walk(LayerNode node)
        {
            for (int i = 0; i < node.Children.Count; i++)
            {
                var child = node.Children[i];
                if (child.Is(DefinedKind.Conv2d) && actions.TryGetValue(child.Path, out var action) && !action.Insert
                    && (action.Options ?? options).WithNormAndActivation)
                    followers.UnionWith(FollowerIndices(node.Children, i).Select(j => node.Children[j].Path));
                Walk(child);
            }
        }
        Walk(dense);
        return followers;
    }

    /// <summary>
    /// The followers of the convolution at <paramref name="i"/> among its siblings: the next node on the same path (same
    /// role: the shortcut is not a follower) if it is a BatchNorm2d, then the next one if it is an activation.
    /// </summary>
    private static IEnumerable<int> FollowerIndices(EquatableArray<LayerNode> siblings, int i)
        => FollowersAfter(siblings, i, elsewhere: s => s.Role != siblings[i].Role, isNorm: s => s.Is(DefinedKind.BatchNorm2d),
            isActivation: s => s.Kind == NodeKind.Layer && PiXRewriter.IsActivation(s.Op));

    /// <summary>
    /// The one follower rule, read on the IR (a convolution's siblings) and on declarations (a Sequential's items, a class's
    /// members; PiXRewriter): after position <paramref name="i"/>, passing over what is on another path
    /// (<paramref name="elsewhere"/>: a shortcut, a member after the residual add), the next element if it is a norm, then
    /// the next one if it is an activation.
    /// </summary>
    public static IEnumerable<int> FollowersAfter<T>(IReadOnlyList<T> sequence, int i, System.Func<T, bool> elsewhere, System.Func<T, bool> isNorm,
        System.Func<T, bool> isActivation)
    {
        int Next(int from)
        {
            int j = from + 1;
            while (j < sequence.Count && elsewhere(sequence[j])) j++;
            return j;
        }
        int next = Next(i);
        if (next < sequence.Count && isNorm(sequence[next]))
        {
            yield return next;
            next = Next(next);
        }
        if (next < sequence.Count && isActivation(sequence[next])) yield return next;
    }

    private sealed class Pass
    {
        private readonly IReadOnlyDictionary<string, PiXRewriter.PiXAction> _actions;
        private readonly PiXOptionsDecl _options;

        public Pass(IReadOnlyDictionary<string, PiXRewriter.PiXAction> actions, PiXOptionsDecl options)
        {
            _actions = actions; _options = options;
        }

        /// <summary>
        /// Whether a decision falls inside <paramref name="node"/>'s subtree. Searched, not read off the path: a [Branch]
        /// node's path is not a prefix of its members' paths (branch b0 of block layer1.0 holds layer1.0.f1).
        /// </summary>
        private bool Decided(LayerNode node)
            => node.Kind == NodeKind.Layer ? _actions.ContainsKey(node.Path) : node.Children.Any(Decided);

        public LayerNode Rewrite(LayerNode node)
        {
            if (node.Kind == NodeKind.Layer || !Decided(node)) return node;
            var children = new List<LayerNode>();
            var old = node.Children;
            var removed = new HashSet<int>();
            for (int i = 0; i < old.Count; i++)
            {
                var child = old[i];
                if (removed.Contains(i)) continue;
                if (!child.Is(DefinedKind.Conv2d) || !_actions.TryGetValue(child.Path, out var action))
                {
                    children.Add(Rewrite(child));
                    continue;
                }
                if (action.Insert)
                {
                    var name = FreeName(child.Name + "_pix", old);
                    var prefix = child.Path.Substring(0, child.Path.Length - child.Name.Length);
                    var pix = PiXLayer(name, prefix + name, child.In, action.Zeta, _options, child.Role);
                    children.Add(pix);
                    children.Add(Downscaled(child, pix.Out));
                    continue;
                }
                var options = action.Options ?? _options;
                long zeta = action.Zeta > 0 ? action.Zeta : child.GetInt("InChannels") / child.GetInt("OutChannels");
                children.Add(PiXLayer(child.Name, child.Path, child.In, zeta, options, child.Role));
                if (options.WithNormAndActivation) removed.UnionWith(FollowerIndices(old, i));
            }
            if (node.Kind == NodeKind.Sequential && node.Op == "Sequential") children = Renumbered(children, node.Path);
            return node with { Children = children.ToEquatableArray(), Parameters = children.Sum(c => c.Parameters) };
        }

        /// <summary>The convolution behind an inserted PiX: it now sees the PiX's output channels.</summary>
        private static LayerNode Downscaled(LayerNode conv, Shape input)
        {
            var settings = conv.Settings.Select(s => s.Name == "InChannels" ? s with { Value = input.C.ToString(CultureInfo.InvariantCulture) } : s);
            var downscaled = conv with { In = input, Settings = settings.ToEquatableArray() };
            return downscaled with { Parameters = CostModel.Spec(downscaled).Parameters(input) };
        }

        private static string FreeName(string name, EquatableArray<LayerNode> siblings)
        {
            while (siblings.Any(s => s.Name == name)) name += "_";
            return name;
        }

        /// <summary>A Sequential names its children by position: after an insertion or a removal the later ones move.</summary>
        private static List<LayerNode> Renumbered(List<LayerNode> children, string path)
            => children.Select((c, i) => Renamed(c, i.ToString(CultureInfo.InvariantCulture), $"{path}.{i.ToString(CultureInfo.InvariantCulture)}")).ToList();

        private static LayerNode Renamed(LayerNode node, string name, string path)
            => node.Name == name && node.Path == path ? node : node with { Name = name, Children = node.Children.Select(c => Moved(c, node.Path, path)).ToEquatableArray(), Path = path };

        /// <summary>The same node under a new path prefix.</summary>
        private static LayerNode Moved(LayerNode node, string from, string to)
            => node with { Path = to + node.Path.Substring(from.Length), Children = node.Children.Select(c => Moved(c, from, to)).ToEquatableArray() };
    }
}
