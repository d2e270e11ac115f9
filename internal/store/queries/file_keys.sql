-- file_keys reads the file cache entries of the given paths. The list marker expands to "?, ?, ...".
SELECT path, size, mtime_ns, key
FROM files
WHERE path IN ({{list}})
