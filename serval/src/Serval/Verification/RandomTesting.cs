using Serval.Symbolic;

namespace Serval.Verification;

/// <summary>
/// Concrete testing of a check, independent of the solver: random values for the symbolic constants of its initial
/// states, the step re-run concretely from them, and the obligations evaluated. Used to cross-examine proofs.
/// </summary>
public static class RandomTesting
{
    // Values near the monitor's boundaries (MAXUSER, the call numbers, signs) come up more often than chance gives.
    private static readonly ulong[] Interesting = [0, 1, 2, 3, 4, 5, 10, 11, 12, 1UL << 63, ulong.MaxValue, 0x0800_0000_0000_0000];

    /// <summary>The kind of the first obligation that fails in <paramref name="runs"/> random concrete runs, or null.</summary>
    public static string? FindViolation(CheckDefinition check, int runs, int seed)
    {
        ArgumentNullException.ThrowIfNull(check);
        var obligations = check.Obligations([.. check.Initials.Select(make => make())]);
        var variables = Variables(obligations.Select(o => o.Claim.ToTerm()));
        var random = new Random(seed);
        for (var run = 0; run < runs; run++)
        {
            var model = new Model(variables.ToDictionary(v => v, v => RandomValue(v.Sort, random)));
            var concrete = check.Initials.Select(make => make().Concretize(model)).ToArray();
            foreach (var obligation in check.Obligations(concrete))
            {
                if (model.Evaluate(obligation.Assumption).IsTrue && model.Evaluate(obligation.Claim).IsFalse)
                {
                    return $"{obligation.Kind} fails in a concrete run from random state {run} (seed {seed})";
                }
            }
        }
        return null;
    }

    private static Term RandomValue(Sort sort, Random random)
    {
        if (sort.IsBool)
        {
            return Term.BoolConst(random.Next(2) == 1);
        }
        var bits = random.Next(3) == 0 ? (ulong)random.NextInt64() ^ ((ulong)random.NextInt64() << 1) : Interesting[random.Next(Interesting.Length)];
        return Term.BvConst(sort.Width >= 64 ? bits : bits & ((1UL << sort.Width) - 1), sort.Width);
    }

    private static HashSet<Term> Variables(IEnumerable<Term> roots)
    {
        var seen = new HashSet<Term>();
        var variables = new HashSet<Term>();
        var work = new Stack<Term>(roots);
        while (work.Count > 0)
        {
            var term = work.Pop();
            if (!seen.Add(term))
            {
                continue;
            }
            if (term.Op == Op.Var)
            {
                variables.Add(term);
            }
            for (var i = 0; i < term.Arity; i++)
            {
                work.Push(term[i]);
            }
        }
        return variables;
    }
}
