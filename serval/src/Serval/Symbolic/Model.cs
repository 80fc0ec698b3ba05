using System.Text;

namespace Serval.Symbolic;

/// <summary>
/// A satisfying assignment from a solver: values of free variables and of uninterpreted function applications.
/// <see cref="Evaluate(Term)"/> evaluates any term; variables the solver left out take their default (zero, false),
/// as do function applications at points the solver did not report.
/// </summary>
public sealed class Model
{
    private const int MaxQuantifierEnumerationBits = 12;
    private readonly Dictionary<Term, Term> _variables;
    private readonly Dictionary<Term, Term> _applications;

    /// <summary>
    /// A model from variable values and function-application values. Keys of <paramref name="applications"/> are
    /// applications to constant arguments.
    /// </summary>
    public Model(IReadOnlyDictionary<Term, Term> variables, IReadOnlyDictionary<Term, Term>? applications = null)
    {
        ArgumentNullException.ThrowIfNull(variables);
        _variables = new Dictionary<Term, Term>(variables);
        _applications = applications is null ? [] : new Dictionary<Term, Term>(applications);
    }

    /// <summary>The values of the free variables the solver reported.</summary>
    public IReadOnlyDictionary<Term, Term> Variables => _variables;

    /// <summary>The values of function applications at constant arguments.</summary>
    public IReadOnlyDictionary<Term, Term> Applications => _applications;

    /// <summary>Records the value of a function at a point (an application to constants).</summary>
    internal void SetApplication(Term point, Term value) => _applications[point] = value;

    /// <summary>The value of <paramref name="term"/>: a constant, except for quantifiers too wide to enumerate.</summary>
    public Term Evaluate(Term term)
    {
        ArgumentNullException.ThrowIfNull(term);
        return Evaluate(term, new Dictionary<Term, Term>());
    }

    /// <summary>The concrete value of <paramref name="value"/> in this model.</summary>
    public BitVec Evaluate(BitVec value) => BitVec.FromTerm(Evaluate(value.ToTerm()));

    /// <summary>The concrete value of <paramref name="value"/> in this model.</summary>
    public Bool Evaluate(Bool value) => Bool.FromTerm(Evaluate(value.ToTerm()));

    /// <summary>The model as lines <c>name = value</c>, variables sorted by name, then function points.</summary>
    public override string ToString()
    {
        var builder = new StringBuilder();
        foreach (var (variable, value) in _variables.OrderBy(p => p.Key.Name, StringComparer.Ordinal))
        {
            builder.Append(variable.Name).Append(" = ").AppendLine(value.ToString());
        }
        foreach (var (application, value) in _applications.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal))
        {
            builder.Append(application).Append(" = ").AppendLine(value.ToString());
        }
        return builder.ToString();
    }

    private Term Evaluate(Term term, Dictionary<Term, Term> memo)
    {
        if (term.Op == Op.Const)
        {
            return term;
        }
        if (memo.TryGetValue(term, out var known))
        {
            return known;
        }
        Term result;
        switch (term.Op)
        {
            case Op.Var:
                result = _variables.TryGetValue(term, out var value) ? value : Default(term.Sort);
                break;
            case Op.Apply:
                var point = Term.Rebuild(term, EvaluateArgs(term, memo));
                result = _applications.TryGetValue(point, out var image) ? image
                    : AllConstant(point.Args) ? Default(term.Sort) : point;
                break;
            case Op.ForAll or Op.Exists:
                result = EvaluateQuantifier(term, memo);
                break;
            default:
                result = Term.Rebuild(term, EvaluateArgs(term, memo));
                break;
        }
        memo[term] = result;
        return result;
    }

    private Term[] EvaluateArgs(Term term, Dictionary<Term, Term> memo)
    {
        var args = new Term[term.Arity];
        for (var i = 0; i < args.Length; i++)
        {
            args[i] = Evaluate(term[i], memo);
        }
        return args;
    }

    // Quantifiers over few bits are decided by enumeration; wider ones stay symbolic (the solver decided them).
    private Term EvaluateQuantifier(Term term, Dictionary<Term, Term> outer)
    {
        var bound = term.Bound.ToArray();
        var bits = bound.Sum(v => Math.Max(1, v.Width));
        if (bits > MaxQuantifierEnumerationBits)
        {
            return term;
        }
        var isForAll = term.Op == Op.ForAll;
        for (var assignment = 0L; assignment < 1L << bits; assignment++)
        {
            var memo = new Dictionary<Term, Term>(outer);
            var shift = 0;
            foreach (var variable in bound)
            {
                var width = Math.Max(1, variable.Width);
                var bitsOfVariable = (ulong)(assignment >> shift) & ((1UL << width) - 1);
                memo[variable] = variable.Sort.IsBool ? Term.BoolConst(bitsOfVariable != 0) : Term.BvConst(bitsOfVariable, width);
                shift += width;
            }
            var body = Evaluate(term[0], memo);
            if (body.Op != Op.Const)
            {
                return term;
            }
            if (body.IsTrue != isForAll)
            {
                return Term.BoolConst(!isForAll);
            }
        }
        return Term.BoolConst(isForAll);
    }

    private static bool AllConstant(ReadOnlySpan<Term> terms)
    {
        foreach (var term in terms)
        {
            if (term.Op != Op.Const)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The value of a variable or function point the solver did not report: zero, or false.</summary>
    internal static Term Default(Sort sort) => sort.IsBool ? Term.False : Term.BvConst(0UL, sort.Width);
}
