namespace Serval.Symbolic;

/// <summary>Rewrites terms bottom-up through the simplifying builders.</summary>
public static class TermRewriter
{
    /// <summary>
    /// <paramref name="term"/> with every occurrence of a key of <paramref name="replacements"/> replaced by its
    /// value (same sorts), simplified again on the way up. Quantifiers keep their own bound variables.
    /// </summary>
    public static Term Substitute(Term term, IReadOnlyDictionary<Term, Term> replacements)
    {
        ArgumentNullException.ThrowIfNull(term);
        ArgumentNullException.ThrowIfNull(replacements);
        var memo = new Dictionary<Term, Term>();
        foreach (var (from, to) in replacements)
        {
            if (from.Sort != to.Sort)
            {
                throw new ArgumentException($"Cannot replace {from} ({from.Sort}) by {to} ({to.Sort}).", nameof(replacements));
            }
            memo[from] = to;
        }
        return Rewrite(term, memo);
    }

    private static Term Rewrite(Term term, Dictionary<Term, Term> memo)
    {
        if (memo.TryGetValue(term, out var done))
        {
            return done;
        }
        if (term.Arity == 0)
        {
            return term;
        }
        Term result;
        if (term.Op is Op.ForAll or Op.Exists)
        {
            var inner = new Dictionary<Term, Term>(memo);
            foreach (var variable in term.Bound)
            {
                inner.Remove(variable);
            }
            result = Term.Rebuild(term, [Rewrite(term[0], inner)]);
        }
        else
        {
            var args = new Term[term.Arity];
            var changed = false;
            for (var i = 0; i < args.Length; i++)
            {
                args[i] = Rewrite(term[i], memo);
                changed |= !ReferenceEquals(args[i], term[i]);
            }
            result = changed ? Term.Rebuild(term, args) : term;
        }
        memo[term] = result;
        return result;
    }
}
