-- The same text as before (V12), computed in PL/pgSQL. A SQL function whose body holds a
-- subquery is never inlined, and PostgreSQL plans its body again in every statement that calls
-- it; the target trigram index calls it for every audit row written, so each insert paid for
-- planning the body (most of an insert's time). A PL/pgSQL function keeps its plan for the
-- session. The results are unchanged, so the index built on it stays valid.
CREATE OR REPLACE FUNCTION audit_target_text(label text, details jsonb) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN lower(coalesce(label, '') || E'\n' || coalesce(
        (SELECT string_agg(t, E'\n') FROM jsonb_array_elements_text(
            CASE WHEN jsonb_typeof(details -> 'targets') = 'array' THEN details -> 'targets' ELSE '[]' END) t), ''));
END
$$;
