using System.Diagnostics.CodeAnalysis;
using Serval.Symbolic;

namespace Serval.Smt;

/// <summary>
/// The analysis of a query before printing: its free variables, functions and applications (whose values a model
/// needs), which subterms get names, and which logic it falls in. Walks the DAG without recursion.
/// </summary>
internal sealed class QueryPlan
{
    private readonly Dictionary<Term, string> _names = [];

    private QueryPlan(IReadOnlyList<Term> assertions) => Assertions = assertions;

    public IReadOnlyList<Term> Assertions { get; }

    public List<Term> Variables { get; } = [];

    public List<Function> Functions { get; } = [];

    public List<Term> Applications { get; } = [];

    public List<Term> Named { get; } = [];

    public bool HasQuantifiers { get; private set; }

    public static QueryPlan Create(IReadOnlyList<Term> assertions)
    {
        ArgumentNullException.ThrowIfNull(assertions);
        var plan = new QueryPlan(assertions);
        var nodes = new HashSet<Term>();
        var stack = new Stack<Term>(assertions);
        var bound = new HashSet<Term>();
        while (stack.Count > 0)
        {
            var term = stack.Pop();
            if (!nodes.Add(term))
            {
                continue;
            }
            foreach (var variable in term.Bound)
            {
                bound.Add(variable);
            }
            foreach (var arg in term.Args)
            {
                stack.Push(arg);
            }
        }
        var ordered = nodes.OrderBy(t => t.Id).ToList();
        var roots = new HashSet<Term>(assertions);
        var parents = new Dictionary<Term, int>();
        var height = new Dictionary<Term, int>();
        var containsBound = new HashSet<Term>();
        var functions = new HashSet<Function>();
        foreach (var term in ordered)
        {
            var h = 0;
            var hasBound = term.Op == Op.Var && bound.Contains(term);
            foreach (var arg in term.Args)
            {
                parents[arg] = parents.GetValueOrDefault(arg) + 1;
                h = Math.Max(h, height[arg] + 1);
                hasBound |= containsBound.Contains(arg);
            }
            if (term.Op is Op.ForAll or Op.Exists)
            {
                plan.HasQuantifiers = true;
            }
            if (hasBound)
            {
                containsBound.Add(term);
            }
            height[term] = h;
            switch (term.Op)
            {
                case Op.Var when !bound.Contains(term):
                    plan.Variables.Add(term);
                    break;
                case Op.Apply:
                    if (functions.Add(term.Function!))
                    {
                        plan.Functions.Add(term.Function!);
                    }
                    if (!hasBound)
                    {
                        plan.Applications.Add(term);
                    }
                    break;
            }
            if (!hasBound && SmtWriter.ShouldName(term, 0, h))
            {
                plan.Name(term);
                height[term] = 0;
            }
        }
        foreach (var term in ordered)
        {
            if (!containsBound.Contains(term) && !plan._names.ContainsKey(term) && SmtWriter.ShouldName(term, parents.GetValueOrDefault(term), 0)
                && !roots.Contains(term))
            {
                plan.Name(term);
            }
        }
        plan.Named.Sort((a, b) => a.Id.CompareTo(b.Id));
        return plan;
    }

    public bool HasFunctions => Functions.Count > 0;

    public bool TryGetName(Term term, [NotNullWhen(true)] out string? name) => _names.TryGetValue(term, out name);

    public string NameOf(Term term) => _names[term];

    public string Logic(SmtDialect dialect) => (HasQuantifiers, HasFunctions, dialect) switch
    {
        (_, true, SmtDialect.Boolector) => "QF_AUFBV",
        (false, false, _) => "QF_BV",
        (false, true, _) => "QF_UFBV",
        (true, false, _) => "BV",
        (true, true, _) => "UFBV",
    };

    private void Name(Term term)
    {
        _names[term] = "$t" + (_names.Count + 1);
        Named.Add(term);
    }
}
