"""CSV / xlsx / PDF builders."""
