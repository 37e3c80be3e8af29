using System.Collections.Generic;
using System.Linq;
using PiXGen.Generators.Model;

namespace PiXGen.Generators.Analysis;

/// <summary>One branch of a parallel group: its name and its members in declaration order.</summary>
public sealed record Branch(string Name, IReadOnlyList<LayerMember> Members);

/// <summary>
/// A step of a class's main path: one member applied in sequence, or a parallel group of [Branch] members
/// (consecutive in declaration order) whose branches all start from the same input and are merged.
/// </summary>
public sealed record PathStep(LayerMember? Member, IReadOnlyList<Branch>? Branches, string Merge, bool Split, int Group)
{
    public bool IsGroup => Branches is not null;

    /// <summary>The members of the step, in declaration order.</summary>
    public IEnumerable<LayerMember> AllMembers => Member is not null ? new[] { Member } : Branches!.SelectMany(b => b.Members);

    /// <summary>
    /// Splits <paramref name="members"/> (a main path, in declaration order) into steps: consecutive [Branch] members form
    /// one group, branches ordered by first appearance; the group's merge and split are its first member's.
    /// </summary>
    public static List<PathStep> Of(IEnumerable<LayerMember> members)
    {
        var steps = new List<PathStep>();
        List<LayerMember>? run = null;
        void Close()
        {
            if (run is null) return;
            var branches = run.GroupBy(m => m.Branch!.Name).Select(g => new Branch(g.Key, g.ToList())).ToList();
            steps.Add(new PathStep(null, branches, run[0].Branch!.Merge, run[0].Branch!.Split, steps.Count(s => s.IsGroup)));
            run = null;
        }
        foreach (var m in members)
        {
            if (m.Branch is null) { Close(); steps.Add(new PathStep(m, null, "", false, -1)); continue; }
            (run ??= new List<LayerMember>()).Add(m);
        }
        Close();
        return steps;
    }
}
