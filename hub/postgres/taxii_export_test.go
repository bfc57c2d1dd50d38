package postgres

// StampDateAdded exposes the date_added draw to the external tests, which
// hold it open to delay a commit.
var StampDateAdded = stampDateAdded
