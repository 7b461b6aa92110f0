-- The `applied_to` column of an imported payment or credit note, normalised
-- ('INV-1:100.00;INV-2', '' when the file named none). Kept so that re-importing the same row
-- changes nothing, while a changed split is noticed and the allocation is redone.
ALTER TABLE payments ADD COLUMN applied_to text NOT NULL DEFAULT '';
ALTER TABLE credit_notes ADD COLUMN applied_to text NOT NULL DEFAULT '';
