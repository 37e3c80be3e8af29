using System.Collections.Generic;
using System.Linq;
using PiXGen.Generators.Model;

namespace PiXGen.Generators.Analysis;

/// <summary>
/// One branch of a parallel group: its name (the branch path down to it, "b3" or "b3/a"), its members in declaration
/// order (nested groups' members included) and the steps they form (members applied in sequence, nested groups).
/// </summary>
public sealed record Branch(string Name, IReadOnlyList<LayerMember> Members, IReadOnlyList<PathStep> Steps);

/// <summary>
/// A step of a class's main path (or of a branch): one member applied in sequence, or a parallel group of [Branch]
/// members (consecutive in declaration order) whose branches all start from the same input and are merged.
/// </summary>
public sealed record PathStep(LayerMember? Member, IReadOnlyList<Branch>? Branches, string Merge, bool Split, int Group, int Depth = 0)
{
    public bool IsGroup => Branches is not null;

    /// <summary>The members of the step, in declaration order.</summary>
    public IEnumerable<LayerMember> AllMembers => Member is not null ? new[] { Member } : Branches!.SelectMany(b => b.Members);

    /// <summary>
    /// The members whose [Branch] names this group's branches themselves ("b3", not "b3/a", in the outer group): they
    /// set the group's Merge and Split. A nested member's settings are those of its own, innermost group.
    /// </summary>
    public IEnumerable<LayerMember> Defining => AllMembers.Where(m => Segments(m).Length == Depth + 1);

    /// <summary>The segments of a member's branch path: <c>[Branch("b3/a")]</c> is branch a of a group inside branch b3.</summary>
    public static string[] Segments(LayerMember m) => m.Branch is null ? new string[0] : m.Branch.Name.Split(Separator);

    /// <summary>What separates the levels of a nested branch name.</summary>
    public const char Separator = '/';

    /// <summary>
    /// Splits <paramref name="members"/> (a main path, in declaration order) into steps: consecutive [Branch] members form
    /// one group, branches ordered by first appearance; a branch's members whose names go one level deeper
    /// (<c>"b3/a"</c>, <c>"b3/b"</c> inside branch <c>"b3"</c>) form its nested groups the same way. A group's merge and
    /// split are its first defining member's (the defaults when only nested members name it). Groups are numbered in
    /// declaration order, an outer group before the groups nested in it.
    /// </summary>
    public static List<PathStep> Of(IEnumerable<LayerMember> members) => Of(members.ToList(), 0, new int[1]);

    private static List<PathStep> Of(List<LayerMember> members, int depth, int[] next)
    {
        var steps = new List<PathStep>();
        List<LayerMember>? run = null;
        void Close()
        {
            if (run is null) return;
            int group = next[0]++;
            var branches = new List<Branch>();
            foreach (var g in run.GroupBy(m => Segments(m)[depth]))
            {
                var inBranch = g.ToList();
                var name = string.Join(Separator.ToString(), Segments(inBranch[0]).Take(depth + 1));
                branches.Add(new Branch(name, inBranch, Of(inBranch, depth + 1, next)));
            }
            var defining = run.FirstOrDefault(m => Segments(m).Length == depth + 1)?.Branch;
            steps.Add(new PathStep(null, branches, defining?.Merge ?? "concat", defining?.Split ?? false, group, depth));
            run = null;
        }
        foreach (var m in members)
        {
            if (Segments(m).Length <= depth) { Close(); steps.Add(new PathStep(m, null, "", false, -1, depth)); continue; }
            (run ??= new List<LayerMember>()).Add(m);
        }
        Close();
        return steps;
    }
}
